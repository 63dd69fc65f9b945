import type { Logger } from "pino";
import type { Queries } from "../db/queries/index.js";
import type { EventBus } from "../events/bus.js";
import { type AutoResume, createDbRouteSource } from "./db-route-source.js";
import { createRouteCache } from "./route-cache.js";
import { createSandboxProxy, type InProcessAgent, type SandboxProxy } from "./sandbox-proxy.js";

export type { AutoResume } from "./db-route-source.js";
export type { InProcessAgent, SandboxProxy } from "./sandbox-proxy.js";
export { sandboxProxyServerFactory } from "./server-factory.js";

/** How long a sandbox's route is trusted without a state event (a safety net, not the rule). */
const ROUTE_TTL_MS = 2_000;

/** The proxy wired to the database and the event bus; close() also stops its subscription. */
export function createSandboxProxyFor(deps: {
  queries: Pick<Queries, "sandboxes" | "hosts">;
  events: EventBus;
  domain: string | null;
  log: Logger;
  autoResume?: AutoResume;
  inProcessAgent?: InProcessAgent | null;
}): SandboxProxy {
  const routes = createRouteCache({
    source: createDbRouteSource(deps.queries, deps.autoResume),
    events: deps.events,
    ttlMs: ROUTE_TTL_MS,
  });
  const proxy = createSandboxProxy({
    routes,
    domain: deps.domain,
    log: deps.log,
    inProcessAgent: deps.inProcessAgent ?? null,
  });
  return {
    ...proxy,
    close() {
      proxy.close();
      routes.close();
    },
  };
}
