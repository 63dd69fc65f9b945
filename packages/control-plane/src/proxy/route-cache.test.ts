import { type HostId, newSandboxId, type SandboxId, type TeamId } from "@wrenn/shared";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createInProcessEventBus } from "../events/in-process-bus.js";
import { createRouteCache, type SandboxRoute } from "./route-cache.js";

function setup() {
  const id = newSandboxId();
  const route: SandboxRoute = {
    sandboxId: id,
    hostId: "host-00000000-0000-4000-8000-000000000001" as HostId,
    agentOrigin: "http://a:1",
    trafficTokenHash: null,
  };
  const lookups: SandboxId[] = [];
  const purposes: string[] = [];
  let answer: SandboxRoute | null = route;
  let clock = 0;
  const events = createInProcessEventBus(pino({ level: "silent" }));
  const cache = createRouteCache({
    source: async (sandboxId, purpose) => {
      lookups.push(sandboxId);
      purposes.push(purpose);
      return answer;
    },
    events,
    ttlMs: 2_000,
    now: () => clock,
  });
  return {
    id,
    route,
    lookups,
    purposes,
    cache,
    events,
    setAnswer: (value: SandboxRoute | null) => {
      answer = value;
    },
    advance: (ms: number) => {
      clock += ms;
    },
    stateChange: (to: "paused" | "running") =>
      events.publish({
        type: "sandbox.state",
        sandboxId: id,
        teamId: "team-x" as TeamId,
        from: null,
        to,
        at: new Date(),
      }),
  };
}

describe("route cache", () => {
  it("serves a route from memory until the TTL passes", async () => {
    const t = setup();
    expect(await t.cache.find(t.id)).toEqual(t.route);
    t.advance(1_999);
    expect(await t.cache.find(t.id)).toEqual(t.route);
    expect(t.lookups).toHaveLength(1);
    t.advance(1);
    await t.cache.find(t.id);
    expect(t.lookups).toHaveLength(2);
    await t.events.close();
  });

  it("forgets a sandbox as soon as its state changes", async () => {
    const t = setup();
    await t.cache.find(t.id);
    t.setAnswer(null);
    await t.stateChange("paused");
    await expect.poll(() => t.cache.find(t.id)).toBe(null);
    await t.events.close();
  });

  it("does not cache misses, so a sandbox that just started is found at once", async () => {
    const t = setup();
    t.setAnswer(null);
    expect(await t.cache.find(t.id)).toBe(null);
    t.setAnswer(t.route);
    expect(await t.cache.find(t.id)).toEqual(t.route);
    await t.events.close();
  });

  it("looks a sandbox up as it starts running, so its first call is served from memory", async () => {
    const t = setup();
    await t.stateChange("running");
    await expect.poll(() => t.purposes).toEqual(["prefetch"]);
    expect(await t.cache.find(t.id)).toEqual(t.route);
    expect(t.purposes).toEqual(["prefetch"]);
    // Other states are not looked up: nothing could be routed to them.
    await t.stateChange("paused");
    await expect
      .poll(async () => {
        await t.cache.find(t.id);
        return t.purposes.at(-1);
      })
      .toBe("traffic");
    expect(t.purposes.filter((p) => p === "prefetch")).toHaveLength(1);
    await t.events.close();
  });

  it("answers null for a malformed id without a lookup", async () => {
    const t = setup();
    expect(await t.cache.find("not-an-id")).toBe(null);
    expect(await t.cache.find("../../etc")).toBe(null);
    expect(t.lookups).toEqual([]);
    await t.events.close();
  });
});
