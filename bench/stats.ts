/** Small helpers shared by the benchmarks: percentiles, timing, memory and the report. */
import { readFile } from "node:fs/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process's /proc/<pid>/smaps_rollup, every field in MiB (Rss, Pss, Private_Dirty, …). */
export async function memoryOf(pid: number): Promise<Record<string, number>> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) / 1024;
  }
  return out;
}

/** CPU time (user + system) a process has used so far, in ms; from /proc/<pid>/stat. */
export async function cpuTimeMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/**
 * V8's full GC without --expose-gc on the command line (the way envd's snapshot.ts does it):
 * a benchmark calls it between measurements so one step's garbage is not collected in the next.
 */
export function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("V8 did not expose gc after --expose-gc");
  return gc as () => void;
}

/** MiB per second for `bytes` moved in the median of `samplesMs`. */
export function mibPerS(bytes: number, samplesMs: readonly number[]): number {
  return round(bytes / 1024 / 1024 / (percentile(samplesMs, 50) / 1000), 1);
}

/**
 * Prints each figure and then the notes as human lines to stderr; the last stdout line is
 * the JSON the CI reads.
 */
export function report(
  figures: Record<string, number | string>,
  notes: readonly string[] = [],
): void {
  for (const [key, value] of Object.entries(figures)) {
    process.stderr.write(`${key.padEnd(40)} ${value}\n`);
  }
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
