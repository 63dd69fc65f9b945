import { InvalidArgumentError, isSandboxId } from "@wrenn/shared";
import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import { toSnapshotInfo } from "./create-snapshot.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { ListSnapshotsQuery, SnapshotInfo } from "./schemas.js";

const DEFAULT_LIMIT = 100;

function decodeOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(token);
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InvalidArgumentError("nextToken is not one this server gave out");
  }
  return offset;
}

/**
 * `GET /snapshots?sandboxID&name&limit&nextToken`: the team's snapshots, newest first. A team
 * has few, so the service returns them all and this pages them for the SDK's paginator.
 */
export function listSnapshotsRoute(app: E2bApp, deps: E2bDeps): void {
  app.get(
    "/snapshots",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "List snapshots (E2B)",
        querystring: ListSnapshotsQuery,
        response: withErrors({ 200: Type.Array(SnapshotInfo) }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const { sandboxID, name, limit = DEFAULT_LIMIT, nextToken } = request.query;
      // An id that names no sandbox has no snapshots (not a 400: E2B ids vary in shape).
      if (sandboxID !== undefined && !isSandboxId(sandboxID)) return [];
      const all = await deps.snapshots.list(teamId, {
        ...(sandboxID !== undefined && { sandboxId: sandboxID }),
      });
      const matching = name === undefined ? all : all.filter((t) => t.name === name);
      const offset = decodeOffset(nextToken);
      const page = matching.slice(offset, offset + limit);
      if (offset + limit < matching.length) reply.header("x-next-token", String(offset + limit));
      return page.map(toSnapshotInfo);
    },
  );
}
