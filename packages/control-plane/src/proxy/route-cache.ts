import { type HostId, isSandboxId, type SandboxId } from "@wrenn/shared";
import type { EventBus } from "../events/bus.js";

/** How to reach a running sandbox: its host agent, and whether user ports need a token. */
export interface SandboxRoute {
  readonly sandboxId: SandboxId;
  readonly hostId: HostId;
  /** `http://host:port` of the agent whose `/proxy/{id}/{port}/…` serves the sandbox. */
  readonly agentOrigin: string;
  /** SHA-256 (hex) of the traffic token; null when user ports are public. */
  readonly trafficTokenHash: string | null;
}

/**
 * Null for anything that cannot take traffic now: unknown, another state, or no host.
 * `prefetch` is a lookup nobody's traffic is waiting for, which must not wake a sandbox.
 */
export type RouteSource = (
  id: SandboxId,
  purpose: "traffic" | "prefetch",
) => Promise<SandboxRoute | null>;

export interface RouteCache {
  find(id: string): Promise<SandboxRoute | null>;
  /** Stops listening for state changes. */
  close(): void;
}

/**
 * Sandbox → agent lookups for the proxy, which sees every envd call. A route is kept for `ttlMs`
 * and dropped at once when the sandbox changes state (pause, kill), so a stale entry lives only
 * as long as the event takes to arrive; the agent refuses traffic to a sandbox it no longer runs
 * in the meantime. Misses are not cached: a sandbox that is about to run must be found as soon
 * as its create or resume answered, whichever subscriber the bus serves first. A sandbox that
 * starts running is looked up at once, so the first call after a create or resume (the SDK
 * makes one right away) finds its route in memory.
 */
export function createRouteCache(deps: {
  source: RouteSource;
  events: EventBus;
  ttlMs: number;
  now?: () => number;
}): RouteCache {
  const now = deps.now ?? (() => Date.now());
  const entries = new Map<SandboxId, { route: SandboxRoute; expiresAt: number }>();
  // Bumped by every state event: a lookup that overlapped one may have read the old state.
  let generation = 0;
  let sweptAt = now();
  const unsubscribe = deps.events.subscribe("sandbox.state", (event) => {
    generation += 1;
    entries.delete(event.sandboxId);
    // After the event's other subscribers have started their reads (the create or resume call
    // waiting for this very event answers after its own). Best effort: a failed prefetch
    // leaves a miss, which the next find looks up again.
    if (event.to === "running") {
      setImmediate(() => lookup(event.sandboxId, "prefetch").catch(() => {}));
    }
  });

  async function lookup(
    id: SandboxId,
    purpose: "traffic" | "prefetch",
  ): Promise<SandboxRoute | null> {
    const at = now();
    const seen = generation;
    const route = await deps.source(id, purpose);
    sweep(at);
    if (route && seen === generation) entries.set(id, { route, expiresAt: at + deps.ttlMs });
    return route;
  }

  // Expired entries of sandboxes nobody calls any more; at most once per TTL, so O(1) amortised.
  function sweep(at: number): void {
    if (at - sweptAt < deps.ttlMs) return;
    sweptAt = at;
    for (const [id, entry] of entries) if (entry.expiresAt <= at) entries.delete(id);
  }

  return {
    async find(raw) {
      // A malformed id names no sandbox: the same answer as an unknown one, no database trip.
      if (!isSandboxId(raw)) return null;
      const cached = entries.get(raw);
      if (cached && cached.expiresAt > now()) return cached.route;
      return lookup(raw, "traffic");
    },
    close: unsubscribe,
  };
}
