import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

// Plain text in a fixed page: nothing from the request is echoed into it.
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wrenn</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style>
</head><body>
<h1>Wrenn</h1>
<p>The server is running, but the dashboard is not built: run <code>npm run build</code>
(or set <code>WRENN_DASHBOARD_DIR</code>) and restart.</p>
<p>The API works meanwhile: <a href="/docs">interactive API documentation</a>
(<a href="/openapi.json">OpenAPI 3.1</a>), the <code>wrenn</code> CLI, the <code>e2b</code> SDK,
or curl with <code>X-API-Key</code>.</p>
</body></html>
`;

/** The built @wrenn/dashboard beside this package, when there is one. */
function defaultDashboardDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("@wrenn/dashboard/package.json")), "dist");
  } catch {
    return null;
  }
}

/**
 * The dashboard at `/`: its index.html (never cached, so a new build is picked up at once) and
 * its content-hashed files (cached for good). The app routes with the URL's hash, so the
 * server only answers the files the build made: each is a route of its own, and none can
 * shadow an API path. Without a build, a page that says how to make one.
 */
export function homeRoutes(options: { dashboardDir: string | null }): FastifyPluginAsyncTypebox {
  const dir = options.dashboardDir ?? defaultDashboardDir();
  return async (app) => {
    if (dir === null || !existsSync(join(dir, "index.html"))) {
      app.get("/", { schema: { hide: true } }, async (_request, reply) =>
        reply.type("text/html; charset=utf-8").send(NOT_BUILT_PAGE),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      wildcard: false,
      index: "index.html",
      schemaHide: true,
      setHeaders(res, path) {
        const hashed = path.includes(`${join(dir, "assets")}/`);
        res.header("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  };
}
