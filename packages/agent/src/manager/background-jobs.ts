import type { Logger } from "pino";

/**
 * Work that need not delay an answer (removing a memory image a resume no longer needs):
 * failures are logged, and shutdown waits for what is still running.
 */
export function createBackgroundJobs(log: Logger) {
  const running = new Set<Promise<void>>();
  return {
    run(name: string, fn: () => Promise<unknown>): void {
      const job: Promise<void> = fn()
        .then(
          () => undefined,
          (error: unknown) => log.warn({ err: error, job: name }, "background job failed"),
        )
        .finally(() => running.delete(job));
      running.add(job);
    },
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

export type BackgroundJobs = ReturnType<typeof createBackgroundJobs>;
