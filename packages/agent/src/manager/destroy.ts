import { rm } from "node:fs/promises";
import type { SandboxId } from "@wrenn/shared";
import type { ManagerDeps } from "./deps.js";

/**
 * Removes everything a sandbox owns: processes, mounts, cgroups (runc delete), its slot and
 * its files. Each step runs even if an earlier one failed, so a half-broken sandbox still goes.
 */
export function createSandboxDestroyer(deps: ManagerDeps) {
  return async function destroySandbox(id: SandboxId): Promise<void> {
    await deps.lock.run(id, async () => {
      const record = deps.table.get(id);
      const started = Date.now();
      record.status = "stopping";
      const failures: unknown[] = [];
      const stepsMs: Record<string, number> = {};
      const step = async (name: string, fn: () => Promise<unknown>) => {
        const begun = performance.now();
        try {
          await fn();
          stepsMs[name] = Math.round(performance.now() - begun);
        } catch (error) {
          deps.log.warn({ err: error, sandboxId: id, step: name }, "destroy step failed");
          failures.push(error);
        }
      };
      await step("kill", () => deps.runtime.kill(id));
      // Once the processes are gone, the storage and the network are independent: undo both
      // at once (each is a few child processes).
      const slot = record.slot;
      await Promise.all([
        (async () => {
          await step("unmount rootfs", () => deps.rootfs.unmount(deps.layout.rootfsDir(id)));
          await step("release disk", () => deps.disks.release(id));
          await step("remove files", () =>
            rm(deps.layout.sandboxDir(id), { recursive: true, force: true }),
          );
        })(),
        slot ? step("release slot", () => deps.slots.release(slot)) : undefined,
        step("remove checkpoint", () =>
          rm(deps.layout.checkpointDir(id), { recursive: true, force: true }),
        ),
      ]);
      deps.table.forget(id);
      deps.log.info(
        { sandboxId: id, durationMs: Date.now() - started, stepsMs, failedSteps: failures.length },
        "sandbox destroyed",
      );
      if (failures.length > 0) {
        throw new AggregateError(
          failures,
          `sandbox ${id} destroyed with ${failures.length} cleanup failure(s)`,
        );
      }
    });
  };
}
