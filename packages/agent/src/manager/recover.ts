import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { isSandboxId, type SandboxId } from "@wrenn/shared";
import { initEnvd } from "../envd/envd-client.js";
import { pathExists } from "../storage/fs-util.js";
import type { ManagerDeps } from "./deps.js";
import type { SandboxRecord } from "./sandbox.js";

export interface RecoveryReport {
  adopted: SandboxId[];
  /** Paused sandboxes (and pauses or resumes the crash interrupted), kept paused. */
  paused: SandboxId[];
  cleaned: string[];
}

/** CRIU's last line of a complete dump (dump.log in the sandbox's CRIU work dir). */
const DUMP_DONE = "Dumping finished successfully";

/**
 * After an agent restart (or crash): sandboxes whose processes still run are adopted again
 * with their slots; paused ones stay paused (they own no process, mount or slot); everything
 * else a previous run left (half-created sandboxes, runc containers without a record, unused
 * slots) is removed.
 */
export async function recoverSandboxes(deps: ManagerDeps): Promise<RecoveryReport> {
  const report: RecoveryReport = { adopted: [], paused: [], cleaned: [] };
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
      const interrupted = record.status !== "running";
      try {
        record.slot = await deps.slots.adopt(record.slot.index, record.network);
      } catch (error) {
        // Its network is gone (a half-finished destroy, a host cleanup): it can never be
        // reached again, and one such sandbox must not stop the agent from starting.
        deps.log.warn(
          { err: error, sandboxId: record.id },
          "cannot adopt a sandbox's slot; removing it",
        );
        // Its slot was never adopted: what is left of it goes with the unadopted leftovers.
        await cleanup(deps, record.id, { ...record, slot: undefined });
        report.cleaned.push(record.id);
        continue;
      }
      record.status = "running";
      record.pid = container.pid;
      record.checkpoint = undefined;
      await deps.table.save(record);
      // A pause stopped (or a resume had not yet restarted) envd's port forwarding.
      if (interrupted) await reinitEnvd(deps, record);
      report.adopted.push(record.id);
      continue;
    }
    if (record.status === "paused" || record.status === "pausing" || record.status === "resuming") {
      await keepPaused(deps, record, container !== undefined);
      report.paused.push(record.id);
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
    {
      adopted: report.adopted.length,
      paused: report.paused.length,
      cleaned: report.cleaned.length,
    },
    "recovered sandboxes",
  );
  return report;
}

/**
 * A paused sandbox keeps its disk image and memory image and nothing else; a crash mid-pause
 * or mid-resume may have left a container, mounts or a slot (reaped as unadopted), and a
 * dump the crash cut short is no image: such a sandbox resumes from its files alone.
 */
async function keepPaused(
  deps: ManagerDeps,
  record: SandboxRecord,
  hasContainer: boolean,
): Promise<void> {
  const id = record.id;
  const warn = (step: string) => (error: unknown) =>
    deps.log.warn({ err: error, sandboxId: id, step }, "paused sandbox recovery step failed");
  if (hasContainer) await deps.runtime.kill(id).catch(warn("kill"));
  await deps.rootfs.unmount(deps.layout.rootfsDir(id)).catch(warn("unmount"));
  await deps.disks.detach(id).catch(warn("detach disk"));
  if (record.checkpoint !== undefined && !(await isImageComplete(deps, record))) {
    deps.log.warn(
      { sandboxId: id, image: record.checkpoint, status: record.status },
      "memory image incomplete after a crash; the sandbox resumes from its files",
    );
    record.checkpoint = undefined;
  }
  record.status = "paused";
  record.slot = undefined;
  record.pid = undefined;
  await deps.table.save(record);
}

async function isImageComplete(deps: ManagerDeps, record: SandboxRecord): Promise<boolean> {
  const image = deps.layout.checkpointImageDir(record.id, record.checkpoint ?? "");
  if (!(await pathExists(image))) return false;
  if (record.status !== "pausing") return true;
  try {
    const log = await readFile(join(deps.layout.criuWorkDir(record.id), "dump.log"), "utf8");
    return log.includes(DUMP_DONE);
  } catch (error) {
    deps.log.warn({ err: error, sandboxId: record.id }, "no CRIU dump log");
    return false;
  }
}

async function reinitEnvd(deps: ManagerDeps, record: SandboxRecord): Promise<void> {
  if (!record.slot) return;
  try {
    await initEnvd(
      record.slot.sandboxAddress,
      {},
      { currentToken: record.envdAccessToken, signal: AbortSignal.timeout(10_000) },
    );
  } catch (error) {
    deps.log.warn({ err: error, sandboxId: record.id }, "envd re-init after recovery failed");
  }
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
