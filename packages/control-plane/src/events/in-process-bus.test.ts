import type { SandboxId, TeamId } from "@wrenn/shared";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { waitForEvent } from "./bus.js";
import { createInProcessEventBus } from "./in-process-bus.js";
import type { SandboxStateEvent } from "./types.js";

const log = pino({ level: "silent" });
const event = (
  to: SandboxStateEvent["to"],
  sandboxId = "cl-a" as SandboxId,
): SandboxStateEvent => ({
  type: "sandbox.state",
  sandboxId,
  teamId: "team-x" as TeamId,
  from: null,
  to,
  at: new Date(),
});

describe("in-process event bus", () => {
  it("delivers to each subscriber in publish order, after publish returns", async () => {
    const bus = createInProcessEventBus(log);
    const seen: string[] = [];
    bus.subscribe("sandbox.state", async (e) => {
      await new Promise((r) => setTimeout(r, e.to === "starting" ? 20 : 0));
      seen.push(e.to);
    });
    await bus.publish(event("starting"));
    await bus.publish(event("running"));
    expect(seen).toEqual([]);
    await bus.close();
    expect(seen).toEqual(["starting", "running"]);
  });

  it("isolates a failing subscriber and stops after unsubscribe", async () => {
    const bus = createInProcessEventBus(log);
    const seen: string[] = [];
    bus.subscribe("sandbox.state", () => {
      throw new Error("boom");
    });
    const off = bus.subscribe("sandbox.state", (e) => {
      seen.push(e.to);
    });
    await bus.publish(event("running"));
    await expect.poll(() => seen).toEqual(["running"]);
    off();
    await bus.publish(event("paused"));
    await bus.close();
    expect(seen).toEqual(["running"]);
    await expect(bus.publish(event("stopped"))).rejects.toThrow(/closed/);
  });

  it("waitForEvent resolves on the first match and honours abort", async () => {
    const bus = createInProcessEventBus(log);
    const waiting = waitForEvent(
      bus,
      "sandbox.state",
      (e) => e.to === "running",
      AbortSignal.timeout(5_000),
    );
    await bus.publish(event("starting"));
    await bus.publish(event("running"));
    expect((await waiting).to).toBe("running");
    const aborted = waitForEvent(
      bus,
      "sandbox.state",
      () => true,
      AbortSignal.abort(new Error("gave up")),
    );
    await expect(aborted).rejects.toThrow("gave up");
    await bus.close();
  });
});
