import { isWrennError, NotFoundError } from "@wrenn/shared";
import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { parseE2bSandboxId } from "./sandbox-ref.js";
import { E2bSandboxParams, SandboxTimeoutRequest } from "./schemas.js";

/**
 * `POST /sandboxes/{id}/timeout`: the sandbox now ends `timeout` seconds from now (shorter or
 * longer). E2B answers 404 for a sandbox that is not running, where the service says 409.
 */
export function setTimeoutRoute(app: E2bApp, deps: E2bDeps): void {
  app.post(
    "/sandboxes/:sandboxID/timeout",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Set a sandbox's timeout (E2B)",
        params: E2bSandboxParams,
        body: SandboxTimeoutRequest,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const id = parseE2bSandboxId(request.params.sandboxID);
      try {
        await deps.sandboxes.setTimeout(teamId, id, request.body.timeout * 1000);
      } catch (error) {
        if (isWrennError(error) && error.code === "invalid_state") {
          throw new NotFoundError("running sandbox", id);
        }
        throw error;
      }
      return reply.code(204).send(null);
    },
  );
}
