import { describe, expect, it } from "vitest";
import { createMetricsCollector, FIRST_SAMPLE_GAP_MS } from "./collector.js";

const MEMINFO =
  "MemTotal: 8388608 kB\nMemFree: 4194304 kB\nMemAvailable: 6291456 kB\nCached: 1024 kB\n";
const GIB = 1024 ** 3;

/** A fake filesystem and clock; `delay` advances the clock and runs `onDelay` (the CPU "works"). */
function machine(files: Record<string, string>) {
  const state = { nowMs: 1_700_000_000_000, delays: [] as number[], onDelay: () => {} };
  const collector = createMetricsCollector({
    diskPath: "/",
    readText: async (path) => files[path],
    statfs: async () => ({ bsize: 4096, blocks: 1000, bfree: 250 }),
    hostCpus: () => 4,
    now: () => state.nowMs,
    delay: async (ms) => {
      state.delays.push(ms);
      state.nowMs += ms;
      state.onDelay();
    },
  });
  const collect = () => collector.collect(new AbortController().signal);
  return { files, state, collect };
}

describe("createMetricsCollector", () => {
  it("reports a cgroup v2 sandbox's limits, sampling CPU twice on the first call", async () => {
    const m = machine({
      "/proc/self/cgroup": "0::/\n",
      "/proc/meminfo": MEMINFO,
      "/sys/fs/cgroup/memory.max": `${GIB}\n`,
      "/sys/fs/cgroup/memory.current": `${300 * 1024 * 1024}\n`,
      "/sys/fs/cgroup/memory.stat": `anon 1\nfile ${100 * 1024 * 1024}\n`,
      "/sys/fs/cgroup/cpu.max": "150000 100000\n",
      "/sys/fs/cgroup/cpu.stat": "usage_usec 1000000\n",
    });
    // 100 ms at 1.5 CPUs allowed is 150 ms of CPU; 30 ms used is 20 %.
    m.state.onDelay = () => {
      m.files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 1030000\n";
    };
    const first = await m.collect();
    expect(m.state.delays).toEqual([FIRST_SAMPLE_GAP_MS]);
    expect(first).toEqual({
      atMs: m.state.nowMs,
      cpuCount: 2,
      cpuUsedPct: 20,
      memTotalBytes: GIB,
      memUsedBytes: 200 * 1024 * 1024,
      memCacheBytes: 100 * 1024 * 1024,
      diskTotalBytes: 1000 * 4096,
      diskUsedBytes: 750 * 4096,
    });

    m.state.nowMs += 1000;
    m.files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 1180000\n";
    const second = await m.collect();
    expect(m.state.delays).toHaveLength(1);
    expect(second.cpuUsedPct).toBe(10);
  });

  it("samples twice again when the counters went backwards (resumed into a new cgroup)", async () => {
    const m = machine({
      "/proc/self/cgroup": "0::/\n",
      "/proc/meminfo": MEMINFO,
      "/sys/fs/cgroup/cpu.max": "100000 100000\n",
      "/sys/fs/cgroup/cpu.stat": "usage_usec 9000000\n",
    });
    await m.collect();
    m.state.nowMs += 1000;
    m.files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 10\n";
    m.state.onDelay = () => {
      m.files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 50010\n";
    };
    const after = await m.collect();
    expect(m.state.delays).toHaveLength(2);
    expect(after.cpuUsedPct).toBe(50);
  });

  it("finds cgroup v1 files under the host-style path", async () => {
    const m = machine({
      "/proc/self/cgroup": "4:memory:/wrenn/sbx-1\n2:cpu,cpuacct:/wrenn/sbx-1\n0::/\n",
      "/proc/meminfo": MEMINFO,
      "/sys/fs/cgroup/memory/wrenn/sbx-1/memory.limit_in_bytes": `${512 * 1024 * 1024}\n`,
      "/sys/fs/cgroup/memory/wrenn/sbx-1/memory.usage_in_bytes": `${64 * 1024 * 1024}\n`,
      "/sys/fs/cgroup/memory/wrenn/sbx-1/memory.stat": `total_cache ${16 * 1024 * 1024}\n`,
      "/sys/fs/cgroup/cpu/wrenn/sbx-1/cpu.cfs_quota_us": "50000\n",
      "/sys/fs/cgroup/cpu/wrenn/sbx-1/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpuacct/wrenn/sbx-1/cpuacct.usage": "0\n",
    });
    m.state.onDelay = () => {
      m.files["/sys/fs/cgroup/cpuacct/wrenn/sbx-1/cpuacct.usage"] = `${25_000_000}\n`;
    };
    const metrics = await m.collect();
    expect(metrics).toMatchObject({
      cpuCount: 1,
      cpuUsedPct: 50,
      memTotalBytes: 512 * 1024 * 1024,
      memUsedBytes: 48 * 1024 * 1024,
      memCacheBytes: 16 * 1024 * 1024,
    });
  });

  it("finds cgroup v1 files at the mount root when runc mounted the container's own cgroup", async () => {
    const m = machine({
      "/proc/self/cgroup": "4:memory:/wrenn/sbx-1\n",
      "/proc/meminfo": MEMINFO,
      "/proc/stat": "cpu 0 0 0 0 0 0 0 0 0 0\n",
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": `${GIB}\n`,
      "/sys/fs/cgroup/memory/memory.usage_in_bytes": `${GIB / 2}\n`,
      "/sys/fs/cgroup/memory/memory.stat": "cache 0\n",
    });
    expect(await m.collect()).toMatchObject({ memTotalBytes: GIB, memUsedBytes: GIB / 2 });
  });

  it("falls back to /proc without limits (or with one above the machine's memory)", async () => {
    const m = machine({
      "/proc/self/cgroup": "4:memory:/\n",
      "/proc/meminfo": MEMINFO,
      "/proc/stat": "cpu  100 0 100 800 0 0 0 0 0 0\n",
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
      "/sys/fs/cgroup/memory/memory.usage_in_bytes": "123\n",
      "/sys/fs/cgroup/memory/memory.stat": "cache 0\n",
      "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
      "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpuacct/cpuacct.usage": "5\n",
    });
    m.state.onDelay = () => {
      m.files["/proc/stat"] = "cpu  110 0 110 830 0 0 0 0 0 0\n";
    };
    expect(await m.collect()).toMatchObject({
      cpuCount: 4,
      cpuUsedPct: 40,
      memTotalBytes: 8 * GIB,
      memUsedBytes: 2 * GIB,
      memCacheBytes: 1024 * 1024,
    });
    m.files["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = `${16 * GIB}\n`;
    m.state.nowMs += 1000;
    expect((await m.collect()).memTotalBytes).toBe(8 * GIB);
  });
});
