import { UnavailableError } from "@wrenn/shared";
import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { awaitState, getLiveSandbox } from "./sandbox-ref.js";
import { E2bSandboxParams, SandboxPauseRequest } from "./schemas.js";

/**
 * `POST /sandboxes/{id}/pause` (body `{memory?}`, or none from older SDKs): 204 once paused;
 * 409 when not running (the SDK's `false`, "already paused"); 404 when unknown.
 */
export function pauseSandboxRoute(app: E2bApp, deps: E2bDeps): void {
  app.post(
    "/sandboxes/:sandboxID/pause",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Pause a sandbox (E2B); answers once it is paused",
        params: E2bSandboxParams,
        body: SandboxPauseRequest,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const sandbox = await getLiveSandbox(deps, teamId, request.params.sandboxID);
      const memory = request.body?.memory;
      await deps.sandboxes.pause(teamId, sandbox.id, { ...(memory !== undefined && { memory }) });
      // A pause the host refuses leaves the sandbox running, with the reason recorded.
      const settled = await awaitState(deps, reply, {
        teamId,
        id: sandbox.id,
        states: ["paused", "running"],
        doing: "pausing the sandbox",
      });
      if (settled.state !== "paused") {
        throw new UnavailableError(
          `pausing the sandbox failed: ${settled.statusReason ?? "the host refused"}`,
        );
      }
      return reply.code(204).send(null);
    },
  );
}
