import type { Template } from "../../db/queries/templates.js";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { getLiveSandbox } from "./sandbox-ref.js";
import { E2bSandboxParams, SandboxSnapshotRequest, SnapshotInfo } from "./schemas.js";

/** A snapshot in E2B's terms: its id is what `Sandbox.create(snapshotId)` takes back. */
export function toSnapshotInfo(template: Template): SnapshotInfo {
  return { snapshotID: template.id, names: [template.name] };
}

/**
 * `POST /sandboxes/{id}/snapshots` (`{name?}`): a snapshot template of the sandbox, which keeps
 * its state (a running one is paused for the copy and resumed). Without a name, E2B names it by
 * its id; Wrenn needs a unique name per team, so one is made from the sandbox id and the time.
 */
export function createSnapshotRoute(app: E2bApp, deps: E2bDeps): void {
  app.post(
    "/sandboxes/:sandboxID/snapshots",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Snapshot a sandbox (E2B)",
        params: E2bSandboxParams,
        body: SandboxSnapshotRequest,
        response: withErrors({ 201: SnapshotInfo }),
      },
    },
    async (request, reply) => {
      const actor = principalOf(request);
      const sandbox = await getLiveSandbox(deps, actor.teamId, request.params.sandboxID);
      const name = request.body?.name ?? `${sandbox.id}-${Date.now().toString(36)}`;
      const template = await deps.snapshots.create(actor, { sandboxId: sandbox.id, name });
      return reply.code(201).send(toSnapshotInfo(template));
    },
  );
}
