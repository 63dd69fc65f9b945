import type { HostQueries } from "../db/queries/hosts.js";
import type { SandboxQueries } from "../db/queries/sandboxes.js";
import type { RouteSource } from "./route-cache.js";

/**
 * Routes from the database: only a running sandbox placed on a host takes traffic. No team
 * check: the proxy is reached with tokens (envd's access token, the traffic token), not keys.
 */
export function createDbRouteSource(queries: {
  readonly sandboxes: Pick<SandboxQueries, "get">;
  readonly hosts: Pick<HostQueries, "get">;
}): RouteSource {
  return async (id) => {
    const sandbox = await queries.sandboxes.get(id);
    if (sandbox?.state !== "running" || !sandbox.hostId) return null;
    const host = await queries.hosts.get(sandbox.hostId);
    if (!host) return null;
    return {
      sandboxId: sandbox.id,
      agentOrigin: `http://${host.address}`,
      trafficTokenHash: sandbox.trafficAccessTokenHash,
    };
  };
}
