import { describe, expect, it, vi } from "vitest";
import { createOutputFanout } from "./output-fanout.js";

const never = new AbortController().signal;

describe("output fanout", () => {
  it("copies output to every subscriber and keeps the end for late ones", async () => {
    const fanout = createOutputFanout({ pause: vi.fn(), resume: vi.fn() });
    const a = fanout.subscribe();
    const b = fanout.subscribe();
    fanout.publish("stdout", Buffer.from("hi"));
    fanout.end({ exitCode: 0, exited: true, status: "exit status 0" });
    for (const sub of [a, b]) {
      expect(await sub.next({ idleMs: 1000, signal: never })).toMatchObject({
        kind: "data",
        stream: "stdout",
      });
      expect(await sub.next({ idleMs: 1000, signal: never })).toMatchObject({ kind: "end" });
    }
    const late = fanout.subscribe();
    expect(await late.next({ idleMs: 1000, signal: never })).toMatchObject({ kind: "end" });
  });

  it("replays nothing to a new subscriber", async () => {
    const fanout = createOutputFanout({ pause: vi.fn(), resume: vi.fn() });
    fanout.publish("stdout", Buffer.from("before"));
    const sub = fanout.subscribe();
    fanout.publish("stderr", Buffer.from("after"));
    const item = await sub.next({ idleMs: 1000, signal: never });
    expect(item).toMatchObject({ kind: "data", stream: "stderr" });
  });

  it("pauses the source while a subscriber is behind and resumes when it catches up or leaves", async () => {
    const flow = { pause: vi.fn(), resume: vi.fn() };
    const fanout = createOutputFanout(flow, { highBytes: 10, lowBytes: 4 });
    const slow = fanout.subscribe();
    const gone = fanout.subscribe();
    fanout.publish("stdout", Buffer.alloc(8));
    fanout.publish("stdout", Buffer.alloc(8));
    expect(flow.pause).toHaveBeenCalledTimes(1);
    await slow.next({ idleMs: 1000, signal: never });
    await slow.next({ idleMs: 1000, signal: never });
    expect(flow.resume).not.toHaveBeenCalled();
    gone.close();
    expect(flow.resume).toHaveBeenCalledTimes(1);
  });

  it("reports idle after idleMs and aborted when the signal fires", async () => {
    vi.useFakeTimers();
    try {
      const fanout = createOutputFanout({ pause: vi.fn(), resume: vi.fn() });
      const sub = fanout.subscribe();
      const idle = sub.next({ idleMs: 50, signal: never });
      await vi.advanceTimersByTimeAsync(50);
      expect(await idle).toEqual({ kind: "idle" });
      const controller = new AbortController();
      const aborted = sub.next({ idleMs: 50_000, signal: controller.signal });
      controller.abort("gone");
      expect(await aborted).toEqual({ kind: "aborted", reason: "gone" });
    } finally {
      vi.useRealTimers();
    }
  });
});
