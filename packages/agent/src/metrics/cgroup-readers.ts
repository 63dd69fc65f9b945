/** Pure parsers for cgroup v1 files, so the sampler's arithmetic is testable without a cgroup. */

export function parseCounter(text: string): number {
  const value = Number(text.trim());
  if (!Number.isFinite(value))
    throw new Error(`not a number: ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

export function parseMemoryStat(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

/** CPU use in percent of the sandbox's vCPUs between two cpuacct.usage readings (ns). */
export function cpuPercent(options: {
  previousUsageNs: number;
  usageNs: number;
  elapsedMs: number;
  vcpus: number;
}): number {
  if (options.elapsedMs <= 0 || options.vcpus <= 0) return 0;
  const usedMs = (options.usageNs - options.previousUsageNs) / 1e6;
  const pct = (usedMs / (options.elapsedMs * options.vcpus)) * 100;
  return Math.max(0, Math.min(100, Math.round(pct * 100) / 100));
}
