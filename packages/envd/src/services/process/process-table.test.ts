import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createProcessTable } from "./process-table.js";

function setup(options: { maxExited?: number } = {}) {
  let nowMs = 1_000;
  const table = createProcessTable<{ pid: number; tag: string | undefined }>({
    now: () => nowMs,
    retainExitedMs: 60_000,
    maxExited: options.maxExited ?? 10,
  });
  return { table, advance: (ms: number) => (nowMs += ms) };
}

function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ConnectError ? error.code : undefined;
  }
  return undefined;
}

describe("process table", () => {
  it("finds running processes by pid and by tag", () => {
    const { table } = setup();
    const a = { pid: 10, tag: "start-cmd" };
    table.add(a);
    expect(table.findRunning({ case: "pid", value: 10 })).toBe(a);
    expect(table.find({ case: "tag", value: "start-cmd" })).toBe(a);
    expect(table.listRunning()).toEqual([a]);
  });

  it("keeps an exit visible to find but not to findRunning, and forgets it later", () => {
    const { table, advance } = setup();
    const a = { pid: 11, tag: undefined };
    table.add(a);
    table.markExited(a);
    expect(table.listRunning()).toEqual([]);
    expect(table.find({ case: "pid", value: 11 })).toBe(a);
    expect(codeOf(() => table.findRunning({ case: "pid", value: 11 }))).toBe(Code.NotFound);
    advance(60_001);
    expect(codeOf(() => table.find({ case: "pid", value: 11 }))).toBe(Code.NotFound);
  });

  it("bounds the remembered exits", () => {
    const { table } = setup({ maxExited: 2 });
    for (const pid of [1, 2, 3]) {
      const entry = { pid, tag: undefined };
      table.add(entry);
      table.markExited(entry);
    }
    expect(codeOf(() => table.find({ case: "pid", value: 1 }))).toBe(Code.NotFound);
    expect(table.find({ case: "pid", value: 3 }).pid).toBe(3);
  });

  it("gives a recycled pid to the new process", () => {
    const { table } = setup();
    const old = { pid: 5, tag: undefined };
    table.add(old);
    table.markExited(old);
    const fresh = { pid: 5, tag: undefined };
    table.add(fresh);
    expect(table.find({ case: "pid", value: 5 })).toBe(fresh);
  });

  it("reports not_found with the pid and invalid_argument for an empty selector", () => {
    const { table } = setup();
    expect(() => table.find({ case: "pid", value: 42 })).toThrow("process with pid 42 not found");
    expect(codeOf(() => table.find({ case: undefined }))).toBe(Code.InvalidArgument);
  });
});
