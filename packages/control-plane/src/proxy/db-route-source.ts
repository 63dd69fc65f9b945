import type { HostQueries } from "../db/queries/hosts.js";
import type { Sandbox, SandboxQueries } from "../db/queries/sandboxes.js";
import type { RouteSource } from "./route-cache.js";

/**
 * Resumes a paused sandbox created with `autoResume` and resolves once it runs (or null when it
 * could not); traffic for it waits meanwhile, as E2B's auto-resume does.
 */
export type AutoResume = (sandbox: Sandbox) => Promise<Sandbox | null>;

/**
 * Routes from the database: only a running sandbox placed on a host takes traffic, or a paused
 * one with autoResume, once resumed. No team check: the proxy is reached with tokens (envd's
 * access token, the traffic token), not keys.
 */
export function createDbRouteSource(
  queries: {
    readonly sandboxes: Pick<SandboxQueries, "get">;
    readonly hosts: Pick<HostQueries, "get">;
  },
  autoResume?: AutoResume,
): RouteSource {
  return async (id, purpose) => {
    let sandbox = await queries.sandboxes.get(id);
    const waiting = purpose === "traffic";
    if (
      autoResume &&
      waiting &&
      sandbox?.autoResume &&
      ["paused", "resuming"].includes(sandbox.state)
    ) {
      sandbox = await autoResume(sandbox);
    }
    if (sandbox?.state !== "running" || !sandbox.hostId) return null;
    const host = await queries.hosts.get(sandbox.hostId);
    if (!host) return null;
    return {
      sandboxId: sandbox.id,
      hostId: host.id,
      agentOrigin: `http://${host.address}`,
      trafficTokenHash: sandbox.trafficAccessTokenHash,
    };
  };
}
