import { describe, expect, it } from "vitest";
import {
  cgroupDirs,
  cgroupV1CpuLimit,
  cgroupV1CpuUsageUsec,
  cgroupV1Memory,
  cgroupV2CpuLimit,
  cgroupV2CpuUsageUsec,
  cgroupV2Memory,
  parseCgroupMembership,
  parseLimit,
} from "./cgroup.js";

describe("parseCgroupMembership", () => {
  it("reads a v1 hybrid host's /proc/self/cgroup, combined controllers included", () => {
    const text = [
      "9:name=systemd:/",
      "4:memory:/process_api/203d5ff1",
      "2:cpu,cpuacct:/wrenn/sbx-1",
      "0::/",
      "",
    ].join("\n");
    const membership = parseCgroupMembership(text);
    expect(membership.unifiedPath).toBe("/");
    expect(membership.v1Paths.get("memory")).toBe("/process_api/203d5ff1");
    expect(membership.v1Paths.get("cpu")).toBe("/wrenn/sbx-1");
    expect(membership.v1Paths.get("cpuacct")).toBe("/wrenn/sbx-1");
    expect(membership.v1Paths.get("name=systemd")).toBe("/");
  });

  it("reads a pure v2 line", () => {
    const membership = parseCgroupMembership("0::/system.slice/wrenn.service\n");
    expect(membership.unifiedPath).toBe("/system.slice/wrenn.service");
    expect(membership.v1Paths.size).toBe(0);
  });
});

describe("cgroupDirs", () => {
  it("tries the host-style path first, then the mount root (runc's own-cgroup mount)", () => {
    expect(cgroupDirs("/sys/fs/cgroup/memory", "/wrenn/sbx-1")).toEqual([
      "/sys/fs/cgroup/memory/wrenn/sbx-1",
      "/sys/fs/cgroup/memory",
    ]);
    expect(cgroupDirs("/sys/fs/cgroup", "/")).toEqual(["/sys/fs/cgroup"]);
    expect(cgroupDirs("/sys/fs/cgroup", undefined)).toEqual(["/sys/fs/cgroup"]);
  });
});

describe("parseLimit", () => {
  it("treats max and ~2^63 as no limit", () => {
    expect(parseLimit("max\n")).toBeUndefined();
    expect(parseLimit("9223372036854771712\n")).toBeUndefined();
    expect(parseLimit("536870912\n")).toBe(536870912);
  });

  it("throws on unreadable contents", () => {
    expect(() => parseLimit("")).toThrow(/unreadable/);
    expect(() => parseLimit("lots")).toThrow(/unreadable/);
  });
});

describe("cgroup memory", () => {
  it("v2: limit, usage and the file cache", () => {
    const memory = cgroupV2Memory({
      max: "1073741824\n",
      current: "314572800\n",
      stat: "anon 209715200\nfile 104857600\nkernel 1048576\nshmem 0\n",
    });
    expect(memory).toEqual({
      limitBytes: 1073741824,
      usageBytes: 314572800,
      cacheBytes: 104857600,
    });
    expect(cgroupV2Memory({ max: "max\n", current: "1\n", stat: "" }).limitBytes).toBeUndefined();
  });

  it("v1: the smaller of own and hierarchical limits, hierarchical cache", () => {
    const stat = [
      "cache 4096",
      "rss 8192",
      "hierarchical_memory_limit 536870912",
      "total_cache 1048576",
      "total_rss 2097152",
    ].join("\n");
    expect(cgroupV1Memory({ limit: "9223372036854771712\n", usage: "3969024\n", stat })).toEqual({
      limitBytes: 536870912,
      usageBytes: 3969024,
      cacheBytes: 1048576,
    });
    const unlimited = "cache 4096\nhierarchical_memory_limit 9223372036854771712\n";
    expect(
      cgroupV1Memory({ limit: "9223372036854771712\n", usage: "5\n", stat: unlimited }),
    ).toEqual({ limitBytes: undefined, usageBytes: 5, cacheBytes: 4096 });
  });
});

describe("cgroup cpu", () => {
  it("v2 cpu.max and cpu.stat", () => {
    expect(cgroupV2CpuLimit("max 100000\n")).toBeUndefined();
    expect(cgroupV2CpuLimit("150000 100000\n")).toBe(1.5);
    expect(cgroupV2CpuUsageUsec("usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n")).toBe(
      123456,
    );
    expect(() => cgroupV2CpuUsageUsec("nr_periods 0\n")).toThrow(/usage_usec/);
  });

  it("v1 cfs quota and cpuacct.usage in nanoseconds", () => {
    expect(cgroupV1CpuLimit({ quota: "-1\n", period: "100000\n" })).toBeUndefined();
    expect(cgroupV1CpuLimit({ quota: "50000\n", period: "100000\n" })).toBe(0.5);
    expect(cgroupV1CpuUsageUsec("119250613707\n")).toBeCloseTo(119250613.707);
  });
});
