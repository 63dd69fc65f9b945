/** Small helpers shared by the benchmarks: percentiles and timing. */
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

/** Prints a human line to stderr; the last stdout line is the JSON the CI reads. */
export function report(figures: Record<string, number | string>): void {
  for (const [key, value] of Object.entries(figures)) process.stderr.write(`${key.padEnd(36)} ${value}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
