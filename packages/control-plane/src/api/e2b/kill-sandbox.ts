import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { awaitState, getLiveSandbox } from "./sandbox-ref.js";
import { E2bSandboxParams } from "./schemas.js";

/**
 * `DELETE /sandboxes/{id}`: 204 once the sandbox is gone from its host, so its envd answers 502
 * from then on; a second kill is a 404 (the SDK's `false`), as for an unknown id.
 */
export function killSandboxRoute(app: E2bApp, deps: E2bDeps): void {
  app.delete(
    "/sandboxes/:sandboxID",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Kill a sandbox (E2B); answers once it is gone",
        params: E2bSandboxParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const sandbox = await getLiveSandbox(deps, teamId, request.params.sandboxID);
      await deps.sandboxes.destroy(teamId, sandbox.id);
      await awaitState(deps, reply, {
        teamId,
        id: sandbox.id,
        states: ["stopped"],
        doing: "killing the sandbox",
      });
      return reply.code(204).send(null);
    },
  );
}
