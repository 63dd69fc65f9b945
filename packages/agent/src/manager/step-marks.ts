/** Durations of the steps of one operation, for its log line. */
export function createStepMarks() {
  let last = performance.now();
  const steps: Record<string, number> = {};
  return {
    steps,
    mark(step: string): void {
      const now = performance.now();
      steps[step] = Math.round(now - last);
      last = now;
    },
  };
}
