import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

// Plain text in a fixed page: nothing from the request is echoed into it.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wrenn</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style>
</head><body>
<h1>Wrenn</h1>
<p>The server is running. The dashboard arrives in a later release.</p>
<p>Until then, use the API: <a href="/docs">interactive API documentation</a>
(<a href="/openapi.json">OpenAPI 3.1</a>), the <code>e2b</code> SDK, or curl with
<code>X-API-Key</code> (the first start wrote one to <code>$WRENN_DIR/bootstrap-api-key</code>).</p>
</body></html>
`;

/** A placeholder at `/` where the dashboard will be served. */
export function homeRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply.type("text/html; charset=utf-8").send(PAGE),
    );
  };
}
