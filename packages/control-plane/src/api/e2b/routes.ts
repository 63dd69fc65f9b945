import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { connectSandboxRoutes } from "./connect-sandbox.js";
import { createSandboxRoutes } from "./create-sandbox.js";
import { createSnapshotRoute } from "./create-snapshot.js";
import { deleteSnapshotRoute } from "./delete-snapshot.js";
import type { E2bDeps } from "./deps.js";
import { getMetricsRoute } from "./get-metrics.js";
import { getSandboxRoute } from "./get-sandbox.js";
import { killSandboxRoute } from "./kill-sandbox.js";
import { listSandboxesRoute } from "./list-sandboxes.js";
import { listSnapshotsRoute } from "./list-snapshots.js";
import { pauseSandboxRoute } from "./pause-sandbox.js";
import { setTimeoutRoute } from "./set-timeout.js";

export type { E2bDeps } from "./deps.js";

/**
 * The E2B control-plane API (../shared/e2b-protocol.md §2), for the unmodified `e2b` SDK: E2B's
 * paths and field names, over the same services as the native `/v1` routes. Authenticated by
 * `X-API-KEY` (a team's key); another team's sandbox is a 404 like an unknown one.
 */
export function e2bRoutes(deps: E2bDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    createSandboxRoutes(app, deps);
    connectSandboxRoutes(app, deps);
    getSandboxRoute(app, deps);
    listSandboxesRoute(app, deps);
    killSandboxRoute(app, deps);
    setTimeoutRoute(app, deps);
    pauseSandboxRoute(app, deps);
    getMetricsRoute(app, deps);
    createSnapshotRoute(app, deps);
    listSnapshotsRoute(app, deps);
    deleteSnapshotRoute(app, deps);
  };
}
