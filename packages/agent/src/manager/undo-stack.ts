import type { Logger } from "pino";

/**
 * Multi-step work registers an undo per step; on failure they run in reverse, so a create
 * either succeeds or leaves nothing behind. Undo failures are logged, never thrown over the
 * original error.
 */
export function createUndoStack(log: Logger) {
  const steps: { name: string; undo: () => Promise<unknown> }[] = [];
  return {
    push(name: string, undo: () => Promise<unknown>): void {
      steps.push({ name, undo });
    },
    async unwind(): Promise<void> {
      for (const step of steps.reverse()) {
        try {
          await step.undo();
        } catch (error) {
          log.warn({ err: error, step: step.name }, "undo step failed");
        }
      }
      steps.length = 0;
    },
    /** The work succeeded: forget the undos. */
    commit(): void {
      steps.length = 0;
    },
  };
}
