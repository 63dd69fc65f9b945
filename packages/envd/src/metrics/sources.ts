// Where the numbers come from: finds this process's cgroup files and reads them, falling back
// to /proc when no cgroup limit applies. Parsing and deciding live in the pure modules.
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import {
  CGROUP_ROOT,
  type CgroupMembership,
  type CgroupMemory,
  cgroupDirs,
  cgroupV1CpuLimit,
  cgroupV1CpuUsageUsec,
  cgroupV1Memory,
  cgroupV2CpuLimit,
  cgroupV2CpuUsageUsec,
  cgroupV2Memory,
  parseCgroupMembership,
} from "./cgroup.js";
import { cpuTimesFromProcStat, type MemoryUsage, memoryFromMeminfo } from "./proc.js";

/** Reads a small text file; undefined when it does not exist. */
export type ReadText = (path: string, signal: AbortSignal) => Promise<string | undefined>;

export const readTextFile: ReadText = async (path, signal) => {
  try {
    return await readFile(path, { encoding: "utf8", signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
};

/** CPU limit and usage of this process's cgroup; fields undefined where none applies. */
export interface CgroupCpu {
  readonly limitCpus: number | undefined;
  readonly usageUsec: number | undefined;
}

export async function readMembership(read: ReadText, signal: AbortSignal) {
  return parseCgroupMembership((await read("/proc/self/cgroup", signal)) ?? "");
}

/** Memory of the sandbox: its cgroup's when a real limit is set, else the machine's. */
export async function readMemory(
  read: ReadText,
  membership: CgroupMembership,
  signal: AbortSignal,
): Promise<MemoryUsage> {
  const host = memoryFromMeminfo(await required(read, "/proc/meminfo", signal));
  const cgroup = await readCgroupMemory(read, membership, signal);
  // A limit above the machine's memory limits nothing; the machine's own figures are truer.
  if (cgroup?.limitBytes === undefined || cgroup.limitBytes >= host.totalBytes) return host;
  const usedBytes = Math.min(cgroup.limitBytes, Math.max(0, cgroup.usageBytes - cgroup.cacheBytes));
  return { totalBytes: cgroup.limitBytes, usedBytes, cacheBytes: cgroup.cacheBytes };
}

async function readCgroupMemory(
  read: ReadText,
  membership: CgroupMembership,
  signal: AbortSignal,
): Promise<CgroupMemory | undefined> {
  for (const dir of cgroupDirs(CGROUP_ROOT, membership.unifiedPath)) {
    const max = await read(posix.join(dir, "memory.max"), signal);
    if (max === undefined) continue;
    const current = await required(read, posix.join(dir, "memory.current"), signal);
    const stat = (await read(posix.join(dir, "memory.stat"), signal)) ?? "";
    return cgroupV2Memory({ max, current, stat });
  }
  const mount = posix.join(CGROUP_ROOT, "memory");
  for (const dir of cgroupDirs(mount, membership.v1Paths.get("memory"))) {
    const limit = await read(posix.join(dir, "memory.limit_in_bytes"), signal);
    if (limit === undefined) continue;
    const usage = await required(read, posix.join(dir, "memory.usage_in_bytes"), signal);
    const stat = (await read(posix.join(dir, "memory.stat"), signal)) ?? "";
    return cgroupV1Memory({ limit, usage, stat });
  }
  return undefined;
}

/** The cgroup's CPU quota and usage counter, v2 first, then v1. */
export async function readCgroupCpu(
  read: ReadText,
  membership: CgroupMembership,
  signal: AbortSignal,
): Promise<CgroupCpu> {
  for (const dir of cgroupDirs(CGROUP_ROOT, membership.unifiedPath)) {
    const stat = await read(posix.join(dir, "cpu.stat"), signal);
    const max = await read(posix.join(dir, "cpu.max"), signal);
    // The v2 root has cpu.stat but no cpu.max; only a cgroup with cpu.max can carry a limit.
    if (stat === undefined || max === undefined) continue;
    return { limitCpus: cgroupV2CpuLimit(max), usageUsec: cgroupV2CpuUsageUsec(stat) };
  }
  let limitCpus: number | undefined;
  for (const dir of cgroupDirs(posix.join(CGROUP_ROOT, "cpu"), membership.v1Paths.get("cpu"))) {
    const quota = await read(posix.join(dir, "cpu.cfs_quota_us"), signal);
    if (quota === undefined) continue;
    const period = await required(read, posix.join(dir, "cpu.cfs_period_us"), signal);
    limitCpus = cgroupV1CpuLimit({ quota, period });
    break;
  }
  let usageUsec: number | undefined;
  const acct = membership.v1Paths.get("cpuacct");
  for (const dir of cgroupDirs(posix.join(CGROUP_ROOT, "cpuacct"), acct)) {
    const usage = await read(posix.join(dir, "cpuacct.usage"), signal);
    if (usage === undefined) continue;
    usageUsec = cgroupV1CpuUsageUsec(usage);
    break;
  }
  return { limitCpus, usageUsec };
}

export async function readProcStat(read: ReadText, signal: AbortSignal) {
  return cpuTimesFromProcStat(await required(read, "/proc/stat", signal));
}

async function required(read: ReadText, path: string, signal: AbortSignal): Promise<string> {
  const text = await read(path, signal);
  if (text === undefined) throw new Error(`${path} is missing`);
  return text;
}
