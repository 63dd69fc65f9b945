import { describe, expect, it } from "vitest";
import { cpuTimesFromProcStat, memoryFromMeminfo } from "./proc.js";

const MEMINFO = `MemTotal:       24683656 kB
MemFree:        23698776 kB
MemAvailable:   24314120 kB
Buffers:           10500 kB
Cached:           763496 kB
SwapCached:            0 kB
Active(file):     200000 kB
SReclaimable:      40000 kB
`;

describe("memoryFromMeminfo", () => {
  it("reports used as total minus available, cache as buff/cache, in bytes", () => {
    expect(memoryFromMeminfo(MEMINFO)).toEqual({
      totalBytes: 24683656 * 1024,
      usedBytes: (24683656 - 24314120) * 1024,
      cacheBytes: (10500 + 763496 + 40000) * 1024,
    });
  });

  it("falls back to free's older formula without MemAvailable", () => {
    const old = MEMINFO.split("\n")
      .filter((l) => !l.startsWith("MemAvailable"))
      .join("\n");
    expect(memoryFromMeminfo(old).usedBytes).toBe(
      (24683656 - 23698776 - 10500 - 763496 - 40000) * 1024,
    );
  });

  it("throws without MemTotal", () => {
    expect(() => memoryFromMeminfo("MemFree: 1 kB\n")).toThrow(/MemTotal/);
  });
});

describe("cpuTimesFromProcStat", () => {
  it("sums busy and idle ticks of the aggregate line, guest time not twice", () => {
    const stat =
      "cpu  8661 10 2780 195440 501 3 179 21 7 1\ncpu0 3719 0 1057 98848 22 0 64 10 0 0\n";
    expect(cpuTimesFromProcStat(stat)).toEqual({
      busyTicks: 8661 + 10 + 2780 + 3 + 179 + 21,
      totalTicks: 8661 + 10 + 2780 + 3 + 179 + 21 + 195440 + 501,
    });
  });

  it("throws without an aggregate line", () => {
    expect(() => cpuTimesFromProcStat("intr 1 2 3\n")).toThrow(/cpu line/);
  });
});
