import { describe, expect, it } from "vitest";
import { createKeyedLock } from "./keyed-lock.js";

describe("keyed lock", () => {
  it("runs operations on one key one after another, in order", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = lock.run("a", async () => {
      events.push("first start");
      await gate;
      events.push("first end");
    });
    const second = lock.run("a", async () => {
      events.push("second");
    });
    const other = lock.run("b", async () => {
      events.push("other key");
    });
    await other;
    expect(events).toEqual(["first start", "other key"]);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(["first start", "other key", "first end", "second"]);
    expect(lock.isBusy("a")).toBe(false);
  });

  it("keeps going after a failed operation", async () => {
    const lock = createKeyedLock();
    await expect(lock.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(lock.run("a", async () => 42)).resolves.toBe(42);
  });
});
