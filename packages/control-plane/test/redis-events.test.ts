import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { SandboxId, TeamId } from "@wrenn/shared";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EventBus } from "../src/events/bus.js";
import { createRedisEventBus, EVENT_STREAM } from "../src/events/redis-stream-bus.js";
import type { SandboxStateEvent } from "../src/events/types.js";
import { startControlPlane } from "./helpers/control-plane.js";

/*
 * Lifecycle events through a real Redis (scripts/ci/start-redis.sh installs and starts a private
 * one): what one control-plane replica publishes, every replica's subscribers see.
 */

const START_REDIS = fileURLToPath(new URL("../../../scripts/ci/start-redis.sh", import.meta.url));
let url: string;
const log = pino({ level: "silent" });
const open: EventBus[] = [];

beforeAll(() => {
  url =
    process.env.WRENN_TEST_REDIS_URL ??
    execFileSync("bash", [START_REDIS], { encoding: "utf8" }).trim();
});
afterAll(async () => {
  for (const bus of open) await bus.close();
});

async function bus(): Promise<EventBus> {
  const created = await createRedisEventBus(url, log);
  open.push(created);
  return created;
}

function stateEvent(to: SandboxStateEvent["to"], n = 0): SandboxStateEvent {
  return {
    type: "sandbox.state",
    sandboxId: `cl-${randomBytes(12).toString("hex").slice(0, 25)}` as SandboxId,
    teamId: "00000000-0000-4000-8000-00000000000a" as TeamId,
    from: null,
    to,
    at: new Date(1_800_000_000_000 + n),
  };
}

describe("Redis Streams event bus", () => {
  it("delivers one replica's events to every replica, in order, with their dates", async () => {
    const [a, b] = [await bus(), await bus()];
    const seenByA: SandboxStateEvent[] = [];
    const seenByB: SandboxStateEvent[] = [];
    a.subscribe("sandbox.state", (e) => {
      seenByA.push(e);
    });
    b.subscribe("sandbox.state", (e) => {
      seenByB.push(e);
    });
    const sent = ["starting", "running", "pausing", "paused"].map((to, n) =>
      stateEvent(to as SandboxStateEvent["to"], n),
    );
    for (const event of sent) await a.publish(event);
    await vi.waitFor(() => expect(seenByB).toHaveLength(4));
    await vi.waitFor(() => expect(seenByA).toHaveLength(4));
    expect(seenByB).toEqual(sent);
    expect(seenByB[0]?.at).toBeInstanceOf(Date);
    expect(seenByA).toEqual(sent);
  });

  it("starts from now (no replay), survives a failing handler and stops at close", async () => {
    await (await bus()).publish(stateEvent("running"));
    const late = await bus();
    const seen: string[] = [];
    late.subscribe("sandbox.state", () => {
      throw new Error("a handler that always fails");
    });
    late.subscribe("sandbox.state", (e) => {
      seen.push(e.to);
    });
    await late.publish(stateEvent("stopping"));
    await vi.waitFor(() => expect(seen).toEqual(["stopping"]));
    await late.close();
    open.splice(open.indexOf(late), 1);
    await expect(late.publish(stateEvent("stopped"))).rejects.toThrow(/closed/);
  });

  it("fails a start on an unreachable Redis with the reason", async () => {
    await expect(createRedisEventBus("redis://127.0.0.1:1", log)).rejects.toThrow(
      /cannot reach Redis at REDIS_URL/,
    );
  });

  it("is what a control plane with REDIS_URL publishes to", async () => {
    const h = await startControlPlane({ env: { REDIS_URL: url } });
    const raw = new Redis(url);
    try {
      const [before] = await raw.xrevrange(EVENT_STREAM, "+", "-", "COUNT", 1);
      const event = stateEvent("running");
      await h.cp.events.publish(event);
      const after = await raw.xrange(EVENT_STREAM, before ? `(${before[0]}` : "-", "+");
      expect(after.map(([, fields]) => JSON.parse(fields[1] ?? "{}"))).toContainEqual({
        ...event,
        at: event.at.toISOString(),
      });
    } finally {
      raw.disconnect();
      await h.close();
    }
  });
});
