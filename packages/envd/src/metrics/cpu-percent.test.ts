import { describe, expect, it } from "vitest";
import { type CpuSample, cpuPercentBetween } from "./cpu-percent.js";

const cgroup = (atMs: number, usageUsec: number, cpus = 2): CpuSample => ({
  kind: "cgroup",
  atMs,
  usageUsec,
  cpus,
});
const host = (atMs: number, busyTicks: number, totalTicks: number): CpuSample => ({
  kind: "host",
  atMs,
  busyTicks,
  totalTicks,
});

describe("cpuPercentBetween", () => {
  it("measures cgroup usage against the CPUs the quota allows", () => {
    // 1 s of wall time, 2 CPUs allowed, 500 ms of CPU used: a quarter of the allowance.
    expect(cpuPercentBetween(cgroup(0, 0), cgroup(1000, 500_000))).toBe(25);
    expect(cpuPercentBetween(cgroup(0, 0, 0.5), cgroup(1000, 250_000, 0.5))).toBe(50);
  });

  it("measures host ticks as busy over total, rounded to two decimals", () => {
    expect(cpuPercentBetween(host(0, 100, 1000), host(1000, 133, 1300))).toBe(11);
    expect(cpuPercentBetween(host(0, 0, 0), host(1000, 1, 3))).toBe(33.33);
    expect(cpuPercentBetween(host(0, 5, 5), host(1000, 5, 5))).toBe(0);
  });

  it("clamps to 0–100 (a quota burst can overshoot one period)", () => {
    expect(cpuPercentBetween(cgroup(0, 0, 1), cgroup(100, 150_000, 1))).toBe(100);
  });

  it("refuses pairs that cannot say anything", () => {
    expect(cpuPercentBetween(cgroup(0, 0), cgroup(10, 1000))).toBeUndefined();
    expect(cpuPercentBetween(cgroup(0, 0), cgroup(10 * 60_000, 1000))).toBeUndefined();
    expect(cpuPercentBetween(cgroup(0, 900_000), cgroup(1000, 5))).toBeUndefined();
    expect(cpuPercentBetween(host(0, 0, 0), cgroup(1000, 5))).toBeUndefined();
    expect(cpuPercentBetween(host(0, 10, 100), host(1000, 5, 50))).toBeUndefined();
  });
});
