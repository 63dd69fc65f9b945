import type { SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import type { SandboxTable } from "./sandbox-table.js";

export interface ReaperDeps {
  log: Logger;
  table: SandboxTable;
  now: () => Date;
  /** Called for expired sandboxes without auto-pause. */
  destroy(id: SandboxId): Promise<void>;
  /** Called for expired sandboxes with auto-pause. */
  pause(id: SandboxId): Promise<void>;
  /** Destroys the sandbox if it is running but its init is gone; true when it did. */
  destroyIfDead(id: SandboxId): Promise<boolean>;
}

/**
 * Ends sandboxes whose end time passed: killed, or paused when created with auto-pause; and
 * destroys what is left of a running sandbox whose init died (OOM-killed, crashed), which would
 * otherwise stay "running" while every call to it fails.
 * `tick()` does one pass (tests drive it with an injected clock); `start()` runs it periodically.
 */
export function createReaper(deps: ReaperDeps, intervalMs = 1000) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function tick(): Promise<void> {
    for (const record of deps.table.list()) {
      if (record.status !== "running") continue;
      try {
        if (await deps.destroyIfDead(record.id)) {
          deps.log.warn({ sandboxId: record.id }, "sandbox's init died; destroyed what was left");
        }
      } catch (error) {
        deps.log.error({ err: error, sandboxId: record.id }, "destroying a dead sandbox failed");
      }
    }
    const now = deps.now().getTime();
    const expired = deps.table
      .list()
      .filter((r) => r.status === "running" && r.endAt.getTime() <= now);
    for (const record of expired) {
      const action = record.autoPause ? "pause" : "destroy";
      deps.log.info({ sandboxId: record.id, action, endAt: record.endAt }, "sandbox timed out");
      try {
        await (record.autoPause ? deps.pause(record.id) : deps.destroy(record.id));
      } catch (error) {
        deps.log.error({ err: error, sandboxId: record.id, action }, "timeout action failed");
      }
    }
  }

  return {
    tick,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = tick().finally(() => {
          running = undefined;
        });
      }, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
