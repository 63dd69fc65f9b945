import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * OpenAPI 3.1 from the route schemas, at /openapi.json, and Swagger UI at /docs. The UI's
 * assets come from the @fastify/swagger-ui package itself (no CDN), so the page works offline.
 * Register before any route: the document is built from routes added after it.
 */
export async function registerDocs(app: FastifyInstance, info: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Wrenn API",
        version: info.version,
        description:
          "Self-hostable sandboxes. Authenticate with `X-API-Key: wrn_…` (a team's key) or " +
          "`Authorization: Bearer <token>` from POST /v1/auth/login, with `X-Team-Id` to pick the team.",
      },
      components: {
        securitySchemes: {
          apiKeyAuth: { type: "apiKey", in: "header", name: "X-API-Key" },
          bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        },
      },
    },
    // Shared schemas keep their $id as their name under components.schemas (e.g. "Error").
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: true,
    uiConfig: { persistAuthorization: true, deepLinking: true },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
