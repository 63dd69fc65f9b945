import { describe, expect, it } from "vitest";
import { ConnectionTracker } from "./connection-tracker.js";

function fakeConnection() {
  const connection = {
    destroyed: false,
    destroy(): void {
      connection.destroyed = true;
    },
  };
  return connection;
}

describe("ConnectionTracker", () => {
  it("counts admitted connections and releases them once", () => {
    const tracker = new ConnectionTracker();
    const release = tracker.admit("a", fakeConnection())!;
    tracker.admit("a", fakeConnection());
    expect(tracker.inFlight("a")).toBe(2);
    release();
    release();
    expect(tracker.inFlight("a")).toBe(1);
  });

  it("drains: finished connections count as finished, the rest are forced closed", async () => {
    const tracker = new ConnectionTracker();
    const quick = tracker.admit("a", fakeConnection())!;
    const slow = fakeConnection();
    tracker.admit("a", slow);
    const draining = tracker.drain("a", 50);
    expect(tracker.admit("a", fakeConnection())).toBeUndefined();
    quick();
    const result = await draining;
    expect(result).toEqual({ finished: 1, forced: 1 });
    expect(slow.destroyed).toBe(true);
    expect(tracker.inFlight("a")).toBe(0);
  });

  it("returns as soon as the last connection ends", async () => {
    const tracker = new ConnectionTracker();
    const release = tracker.admit("a", fakeConnection())!;
    const started = Date.now();
    const draining = tracker.drain("a", 10_000);
    release();
    expect(await draining).toEqual({ finished: 1, forced: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("admits again after enable", async () => {
    const tracker = new ConnectionTracker();
    await tracker.drain("a", 10);
    expect(tracker.admit("a", fakeConnection())).toBeUndefined();
    tracker.enable("a");
    expect(tracker.admit("a", fakeConnection())).toBeTypeOf("function");
  });

  it("keeps one envd pool per sandbox, replaced when its address changes and closed by a drain", async () => {
    const tracker = new ConnectionTracker();
    const pool = tracker.upstream("a", "http://10.11.0.2:49983");
    expect(tracker.upstream("a", "http://10.11.0.2:49983")).toBe(pool);
    const moved = tracker.upstream("a", "http://10.11.0.6:49983");
    expect(moved).not.toBe(pool);
    expect(pool.destroyed).toBe(true);
    await tracker.drain("a", 10);
    expect(moved.destroyed).toBe(true);
    const other = tracker.upstream("b", "http://10.11.0.3:49983");
    tracker.forget("b");
    expect(other.destroyed).toBe(true);
  });
});
