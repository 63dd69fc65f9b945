import type { Logger } from "pino";

/**
 * Background work with an owner: every job is tracked, its failure is logged (never lost as an
 * unhandled rejection), and shutdown aborts and awaits them all. The sandbox lifecycle (202
 * now, work later) runs through this.
 */
export interface JobTracker {
  /** Starts `work` now; `onError` runs on failure (e.g. to record the sandbox as `error`). */
  run(
    name: string,
    work: (signal: AbortSignal) => Promise<void>,
    onError?: (error: unknown) => Promise<void>,
  ): void;
  readonly running: number;
  /** Rejects new jobs, aborts the running ones and waits for them to settle. */
  close(): Promise<void>;
}

export function createJobTracker(log: Logger): JobTracker {
  const jobs = new Set<Promise<void>>();
  const abort = new AbortController();

  async function settle(
    name: string,
    work: (signal: AbortSignal) => Promise<void>,
    onError?: (error: unknown) => Promise<void>,
  ): Promise<void> {
    try {
      await work(abort.signal);
    } catch (error) {
      log.error({ err: error, job: name }, "background job failed");
      if (!onError) return;
      try {
        await onError(error);
      } catch (secondary) {
        log.error({ err: secondary, job: name }, "background job failure handler failed");
      }
    }
  }

  return {
    run(name, work, onError) {
      if (abort.signal.aborted) throw new Error(`job tracker is closed; cannot start ${name}`);
      const job = settle(name, work, onError).finally(() => jobs.delete(job));
      jobs.add(job);
    },
    get running() {
      return jobs.size;
    },
    async close() {
      abort.abort(new Error("control plane is shutting down"));
      await Promise.all(jobs);
    },
  };
}
