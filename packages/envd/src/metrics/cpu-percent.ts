/** One reading of the CPU counters, with the wall time it was taken at. */
export type CpuSample =
  | {
      readonly kind: "cgroup";
      readonly atMs: number;
      readonly usageUsec: number;
      /** CPUs the cgroup may use (quota / period, at most the host's). */
      readonly cpus: number;
    }
  | {
      readonly kind: "host";
      readonly atMs: number;
      readonly busyTicks: number;
      readonly totalTicks: number;
    };

export interface SampleWindow {
  /** Shorter intervals are mostly rounding noise (/proc/stat counts in 10 ms ticks). */
  readonly minIntervalMs: number;
  /** Longer ones are stale: the sandbox was likely paused, or nobody asked for a while. */
  readonly maxIntervalMs: number;
}

export const DEFAULT_WINDOW: SampleWindow = { minIntervalMs: 50, maxIntervalMs: 5 * 60_000 };

/**
 * CPU used between two samples, in percent of what the sandbox may use (0–100, two
 * decimals), or undefined when the pair cannot say: different sources, an interval outside
 * the window, or counters that went backwards (a resumed sandbox has a fresh cgroup).
 */
export function cpuPercentBetween(
  before: CpuSample,
  after: CpuSample,
  window: SampleWindow = DEFAULT_WINDOW,
): number | undefined {
  const intervalMs = after.atMs - before.atMs;
  if (intervalMs < window.minIntervalMs || intervalMs > window.maxIntervalMs) return undefined;
  let fraction: number;
  if (before.kind === "cgroup" && after.kind === "cgroup") {
    const usedUsec = after.usageUsec - before.usageUsec;
    if (usedUsec < 0 || after.cpus <= 0) return undefined;
    fraction = usedUsec / (intervalMs * 1000 * after.cpus);
  } else if (before.kind === "host" && after.kind === "host") {
    const total = after.totalTicks - before.totalTicks;
    const busy = after.busyTicks - before.busyTicks;
    if (total < 0 || busy < 0) return undefined;
    fraction = total === 0 ? 0 : busy / total;
  } else {
    return undefined;
  }
  return Math.round(Math.min(1, Math.max(0, fraction)) * 10_000) / 100;
}
