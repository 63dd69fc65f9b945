// Pure readers over cgroup file contents. The collector does the I/O; these decide meaning.
import { posix } from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** What the memory figures come from once a cgroup limit is known to apply. */
export interface CgroupMemory {
  readonly limitBytes: number | undefined;
  readonly usageBytes: number;
  /** Page cache charged to the cgroup: reclaimable, so not counted as used. */
  readonly cacheBytes: number;
}

/** The cgroup paths of this process, from /proc/self/cgroup. */
export interface CgroupMembership {
  /** The cgroup v2 path ("0::<path>"), if the unified hierarchy is listed. */
  readonly unifiedPath: string | undefined;
  /** cgroup v1 path per controller ("memory", "cpu", "cpuacct", …). */
  readonly v1Paths: ReadonlyMap<string, string>;
}

// cgroup v1 writes "no limit" as 2^63 rounded down to a page (9223372036854771712); anything
// this large is no limit on any real machine.
const NO_LIMIT = 2 ** 62;

export function parseCgroupMembership(text: string): CgroupMembership {
  let unifiedPath: string | undefined;
  const v1Paths = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers = "", path = "/"] = match;
    if (id === "0" && controllers === "") unifiedPath = path;
    else for (const controller of controllers.split(",")) v1Paths.set(controller, path);
  }
  return { unifiedPath, v1Paths };
}

/**
 * Directories that may hold this process's cgroup files under a mount, most specific first.
 * Without a cgroup namespace, /proc/self/cgroup shows the host's full path, which exists under
 * a host-style mount; runc instead mounts the container's own cgroup at the mount root,
 * where that path does not exist. Trying both covers the two.
 */
export function cgroupDirs(mount: string, path: string | undefined): string[] {
  if (path === undefined || path === "/" || path === "") return [mount];
  return [posix.join(mount, path), mount];
}

/** "key value" lines (memory.stat, cpu.stat). */
export function parseKeyedStat(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [key, raw] = line.trim().split(/\s+/);
    if (key === undefined || raw === undefined) continue;
    const value = Number(raw);
    if (Number.isFinite(value)) values.set(key, value);
  }
  return values;
}

/** A byte limit file: "max" (v2), or a number where ~2^63 (v1) also means none. */
export function parseLimit(text: string): number | undefined {
  const value = text.trim();
  if (value === "max") return undefined;
  const bytes = parseCount(value, "cgroup limit");
  return bytes >= NO_LIMIT ? undefined : bytes;
}

export function parseCount(text: string, what: string): number {
  const value = text.trim();
  const n = Number(value);
  if (value === "" || !Number.isFinite(n)) throw new Error(`unreadable ${what}: '${value}'`);
  return n;
}

/** cgroup v2: memory.max, memory.current and memory.stat ("file" is the page cache). */
export function cgroupV2Memory(files: {
  max: string;
  current: string;
  stat: string;
}): CgroupMemory {
  return {
    limitBytes: parseLimit(files.max),
    usageBytes: parseCount(files.current, "memory.current"),
    cacheBytes: parseKeyedStat(files.stat).get("file") ?? 0,
  };
}

/**
 * cgroup v1: memory.limit_in_bytes, memory.usage_in_bytes and memory.stat. A limit set on an
 * ancestor shows only as hierarchical_memory_limit, and usage is hierarchical, so the cache
 * is too (total_cache; plain cache on kernels that lack it).
 */
export function cgroupV1Memory(files: {
  limit: string;
  usage: string;
  stat: string;
}): CgroupMemory {
  const stat = parseKeyedStat(files.stat);
  const own = parseLimit(files.limit);
  const hierarchical = stat.get("hierarchical_memory_limit");
  const inherited = hierarchical === undefined ? undefined : parseLimit(String(hierarchical));
  const limits = [own, inherited].filter((l): l is number => l !== undefined);
  return {
    limitBytes: limits.length > 0 ? Math.min(...limits) : undefined,
    usageBytes: parseCount(files.usage, "memory.usage_in_bytes"),
    cacheBytes: stat.get("total_cache") ?? stat.get("cache") ?? 0,
  };
}

/** cgroup v2 cpu.max: "<quota> <period>" or "max <period>"; CPUs allowed, or none. */
export function cgroupV2CpuLimit(cpuMax: string): number | undefined {
  const [quota, period] = cpuMax.trim().split(/\s+/);
  if (quota === "max" || quota === undefined || period === undefined) return undefined;
  return cpusFromQuota(parseCount(quota, "cpu.max quota"), parseCount(period, "cpu.max period"));
}

/** cgroup v1 cpu.cfs_quota_us (-1 = none) and cpu.cfs_period_us. */
export function cgroupV1CpuLimit(files: { quota: string; period: string }): number | undefined {
  return cpusFromQuota(
    parseCount(files.quota, "cpu.cfs_quota_us"),
    parseCount(files.period, "cpu.cfs_period_us"),
  );
}

/** cgroup v2 cpu.stat usage_usec. */
export function cgroupV2CpuUsageUsec(cpuStat: string): number {
  const usage = parseKeyedStat(cpuStat).get("usage_usec");
  if (usage === undefined) throw new Error("cpu.stat has no usage_usec");
  return usage;
}

/** cgroup v1 cpuacct.usage is nanoseconds. */
export function cgroupV1CpuUsageUsec(cpuacctUsage: string): number {
  return parseCount(cpuacctUsage, "cpuacct.usage") / 1000;
}

function cpusFromQuota(quota: number, period: number): number | undefined {
  if (quota <= 0 || period <= 0) return undefined;
  return quota / period;
}
