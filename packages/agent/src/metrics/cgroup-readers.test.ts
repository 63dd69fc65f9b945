import { describe, expect, it } from "vitest";
import { cpuPercent, parseCounter, parseMemoryStat } from "./cgroup-readers.js";

describe("cgroup readers", () => {
  it("parses counters and memory.stat", () => {
    expect(parseCounter("123456\n")).toBe(123456);
    expect(() => parseCounter("max")).toThrow(/not a number/);
    expect(parseMemoryStat("cache 4096\nrss 8192\ntotal_cache 12288\n")).toEqual({
      cache: 4096,
      rss: 8192,
      total_cache: 12288,
    });
  });

  it("computes CPU percent against the sandbox's vCPUs", () => {
    // 500 ms of CPU in 1 s on 2 vCPUs = 25 %.
    expect(cpuPercent({ previousUsageNs: 0, usageNs: 500e6, elapsedMs: 1000, vcpus: 2 })).toBe(25);
    expect(cpuPercent({ previousUsageNs: 0, usageNs: 5e9, elapsedMs: 1000, vcpus: 1 })).toBe(100);
    expect(cpuPercent({ previousUsageNs: 10, usageNs: 10, elapsedMs: 0, vcpus: 1 })).toBe(0);
  });
});
