import { isWrennError, NotFoundError, type TeamId, type TemplateId } from "@wrenn/shared";
import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { TemplateParams } from "./schemas.js";

/** A snapshot by the id create gave out, or by its name; anything else is a 404. */
async function snapshotId(deps: E2bDeps, teamId: TeamId, ref: string): Promise<TemplateId> {
  let template: Awaited<ReturnType<E2bDeps["templates"]["resolve"]>>;
  try {
    template = await deps.templates.resolve(teamId, ref);
  } catch (error) {
    // A malformed `tpl-…` id names nothing, like an unknown one (the SDK returns false on 404).
    if (isWrennError(error) && error.code === "invalid_argument") {
      throw new NotFoundError("snapshot", ref);
    }
    throw error;
  }
  if (template.type !== "snapshot" || template.isPlatform) throw new NotFoundError("snapshot", ref);
  return template.id;
}

/** `DELETE /templates/{snapshotId}`: the SDK's deleteSnapshot; 404 is its `false`. */
export function deleteSnapshotRoute(app: E2bApp, deps: E2bDeps): void {
  app.delete(
    "/templates/:templateID",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Delete a snapshot (E2B)",
        params: TemplateParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const id = await snapshotId(deps, teamId, request.params.templateID);
      await deps.snapshots.remove(teamId, id);
      return reply.code(204).send(null);
    },
  );
}
