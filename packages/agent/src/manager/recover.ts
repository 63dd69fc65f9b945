import { rm } from "node:fs/promises";
import { isSandboxId, type SandboxId } from "@wrenn/shared";
import type { ManagerDeps } from "./deps.js";
import type { SandboxRecord } from "./sandbox.js";

export interface RecoveryReport {
  adopted: SandboxId[];
  cleaned: string[];
}

/**
 * After an agent restart (or crash): sandboxes whose processes still run are adopted again
 * with their slots; everything else a previous run left (half-created sandboxes, runc
 * containers without a record, unused slots) is removed.
 */
export async function recoverSandboxes(deps: ManagerDeps): Promise<RecoveryReport> {
  const report: RecoveryReport = { adopted: [], cleaned: [] };
  const { records, unreadable } = await deps.table.loadFromDisk();
  const live = new Map((await deps.runtime.list()).map((c) => [c.id, c]));

  for (const record of records) {
    const container = live.get(record.id);
    live.delete(record.id);
    if (
      container &&
      (container.status === "running" || container.status === "paused") &&
      record.slot
    ) {
      if (container.status === "paused") await deps.runtime.unpause(record.id);
      record.slot = await deps.slots.adopt(record.slot.index, record.network);
      record.status = "running";
      record.pid = container.pid;
      await deps.table.save(record);
      report.adopted.push(record.id);
      continue;
    }
    await cleanup(deps, record.id, record);
    report.cleaned.push(record.id);
  }
  for (const name of unreadable) {
    await cleanup(deps, name, undefined);
    report.cleaned.push(name);
  }
  for (const orphan of live.keys()) {
    // A container the agent has no record of: a crash between `runc run` and the first save.
    if (!isSandboxId(orphan)) continue;
    await cleanup(deps, orphan, undefined);
    report.cleaned.push(orphan);
  }
  await deps.slots.reapUnadopted();
  deps.log.info(
    { adopted: report.adopted.length, cleaned: report.cleaned.length },
    "recovered sandboxes",
  );
  return report;
}

async function cleanup(
  deps: ManagerDeps,
  name: string,
  record: SandboxRecord | undefined,
): Promise<void> {
  const warn = (step: string) => (error: unknown) =>
    deps.log.warn({ err: error, sandboxId: name, step }, "orphan cleanup step failed");
  if (isSandboxId(name)) {
    await deps.runtime.kill(name).catch(warn("kill"));
    await deps.rootfs.unmount(deps.layout.rootfsDir(name)).catch(warn("unmount"));
    await deps.disks.release(name).catch(warn("disk"));
  }
  if (record?.slot) await deps.slots.release(record.slot).catch(warn("slot"));
  await rm(deps.layout.sandboxDir(name as SandboxId), { recursive: true, force: true }).catch(
    warn("files"),
  );
}
