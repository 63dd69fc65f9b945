import { statfs } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import type { CgroupMembership } from "./cgroup.js";
import { type CpuSample, cpuPercentBetween } from "./cpu-percent.js";
import {
  type ReadText,
  readCgroupCpu,
  readMembership,
  readMemory,
  readProcStat,
  readTextFile,
} from "./sources.js";

/** One reading of the sandbox's resources, in plain units. */
export interface Metrics {
  readonly atMs: number;
  readonly cpuCount: number;
  /** Percent of the CPU the sandbox may use, over the interval since the previous reading. */
  readonly cpuUsedPct: number;
  readonly memTotalBytes: number;
  readonly memUsedBytes: number;
  readonly memCacheBytes: number;
  readonly diskTotalBytes: number;
  readonly diskUsedBytes: number;
}

export interface MetricsCollectorDeps {
  /** Filesystem whose usage is reported. */
  readonly diskPath: string;
  readonly readText?: ReadText;
  readonly statfs?: (path: string) => Promise<{ bsize: number; blocks: number; bfree: number }>;
  /** CPUs this process may run on (its affinity mask), before any cgroup quota. */
  readonly hostCpus?: () => number;
  readonly now?: () => number;
  readonly delay?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Gap between the two readings taken when there is no usable previous one. A since-boot
 * average was the alternative, but it is wrong exactly when it matters: a sandbox resumed
 * from a checkpoint has a fresh cgroup whose counters say nothing about the boot, and a long
 * idle history hides a busy present. 100 ms costs the first request that much latency only.
 */
export const FIRST_SAMPLE_GAP_MS = 100;

/**
 * Collects /metrics readings. It keeps the previous CPU sample, so each reading's CPU figure
 * covers the time since the one before (the host agent polls at its own pace).
 */
export function createMetricsCollector(deps: MetricsCollectorDeps) {
  const read = deps.readText ?? readTextFile;
  const statDisk = deps.statfs ?? ((path: string) => statfs(path));
  const hostCpus = deps.hostCpus ?? availableParallelism;
  const now = deps.now ?? Date.now;
  const wait =
    deps.delay ?? ((ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }));
  let previous: CpuSample | undefined;

  async function sampleCpu(
    membership: CgroupMembership,
    signal: AbortSignal,
  ): Promise<{ sample: CpuSample; cpuCount: number }> {
    const cgroup = await readCgroupCpu(read, membership, signal);
    const cpus = hostCpus();
    if (cgroup.limitCpus !== undefined && cgroup.usageUsec !== undefined) {
      const allowed = Math.min(cgroup.limitCpus, cpus);
      return {
        sample: { kind: "cgroup", atMs: now(), usageUsec: cgroup.usageUsec, cpus: allowed },
        cpuCount: Math.max(1, Math.ceil(allowed)),
      };
    }
    const times = await readProcStat(read, signal);
    return { sample: { kind: "host", atMs: now(), ...times }, cpuCount: cpus };
  }

  async function cpuUsage(
    membership: CgroupMembership,
    signal: AbortSignal,
  ): Promise<{ cpuCount: number; cpuUsedPct: number }> {
    let current = await sampleCpu(membership, signal);
    let pct = previous === undefined ? undefined : cpuPercentBetween(previous, current.sample);
    if (pct === undefined) {
      const baseline = current.sample;
      await wait(FIRST_SAMPLE_GAP_MS, signal);
      current = await sampleCpu(membership, signal);
      pct = cpuPercentBetween(baseline, current.sample) ?? 0;
    }
    previous = current.sample;
    return { cpuCount: current.cpuCount, cpuUsedPct: pct };
  }

  async function collect(signal: AbortSignal): Promise<Metrics> {
    const membership = await readMembership(read, signal);
    const [cpu, memory, disk] = await Promise.all([
      cpuUsage(membership, signal),
      readMemory(read, membership, signal),
      statDisk(deps.diskPath),
    ]);
    return {
      atMs: now(),
      ...cpu,
      memTotalBytes: memory.totalBytes,
      memUsedBytes: memory.usedBytes,
      memCacheBytes: memory.cacheBytes,
      diskTotalBytes: disk.blocks * disk.bsize,
      diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize,
    };
  }

  return { collect };
}

export type MetricsCollector = ReturnType<typeof createMetricsCollector>;
