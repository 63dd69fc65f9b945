import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { UnavailableError } from "@wrenn/shared";
import { Type } from "typebox";
import { withErrors } from "../schemas.js";

const Health = Type.Object({ status: Type.Literal("ok") });

/**
 * The server listens only after migrations ran, so answering at all means ready; the ping
 * catches a database that went away since.
 */
export function healthRoutes(deps: { ping: () => Promise<void> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/health",
      {
        config: { rateLimit: false },
        schema: { tags: ["health"], summary: "Readiness", response: withErrors({ 200: Health }) },
      },
      async () => {
        try {
          await deps.ping();
        } catch (error) {
          throw new UnavailableError("database unavailable", { cause: error });
        }
        return { status: "ok" as const };
      },
    );
  };
}
