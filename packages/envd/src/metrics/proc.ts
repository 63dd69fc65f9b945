// Pure readers over /proc file contents: the fallback when no cgroup limit applies.

export interface MemoryUsage {
  readonly totalBytes: number;
  /** Not reclaimable: what `free` calls used. */
  readonly usedBytes: number;
  /** Buffers and page cache (what `free` calls buff/cache). */
  readonly cacheBytes: number;
}

export interface CpuTimes {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/**
 * /proc/meminfo. Used is MemTotal − MemAvailable, the kernel's own estimate and what Debian
 * 12's `free` prints; kernels before 3.14 lack MemAvailable and get free's older formula.
 */
export function memoryFromMeminfo(text: string): MemoryUsage {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) kib.set(match[1], Number(match[2]));
  }
  const total = kib.get("MemTotal");
  if (total === undefined) throw new Error("/proc/meminfo has no MemTotal");
  const cache =
    (kib.get("Buffers") ?? 0) + (kib.get("Cached") ?? 0) + (kib.get("SReclaimable") ?? 0);
  const available = kib.get("MemAvailable");
  const used =
    available !== undefined ? total - available : total - (kib.get("MemFree") ?? 0) - cache;
  return {
    totalBytes: total * 1024,
    usedBytes: Math.max(0, used) * 1024,
    cacheBytes: cache * 1024,
  };
}

/**
 * The aggregate "cpu" line of /proc/stat. Idle is idle + iowait; guest time is already inside
 * user and nice, so it is not added again.
 */
export function cpuTimesFromProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("/proc/stat has no aggregate cpu line");
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    line.trim().split(/\s+/).slice(1).map(Number);
  const busyTicks = user + nice + system + irq + softirq + steal;
  return { busyTicks, totalTicks: busyTicks + idle + iowait };
}
