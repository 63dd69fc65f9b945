/** Small helpers shared by the benchmarks: percentiles, timing and the report. */
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
