import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "./keyed-queue.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("keyed queue", () => {
  it("runs work for one key in order, and other keys alongside", async () => {
    const queue = createKeyedQueue();
    const order: string[] = [];
    const gate = deferred();
    const first = queue.run("a", async () => {
      await gate.promise;
      order.push("a1");
    });
    const second = queue.run("a", async () => {
      order.push("a2");
    });
    await queue.run("b", async () => {
      order.push("b1");
    });
    expect(queue.isBusy("a")).toBe(true);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(["b1", "a1", "a2"]);
    await expect.poll(() => queue.isBusy("a")).toBe(false);
  });

  it("starts the next job after a failed one and reports each outcome to its caller", async () => {
    const queue = createKeyedQueue();
    const failed = queue.run("a", async () => {
      throw new Error("boom");
    });
    const next = queue.run("a", async () => 42);
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe(42);
  });
});
