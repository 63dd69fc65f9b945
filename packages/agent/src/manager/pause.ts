import { readdir, rm } from "node:fs/promises";
import { InvalidStateError, type SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import { initEnvd, prepareEnvdSnapshot } from "../envd/envd-client.js";
import type { ConnectionTracker } from "../proxy/connection-tracker.js";
import type { ManagerDeps, SlotLease } from "./deps.js";
import type { SandboxRecord } from "./sandbox.js";
import { createStepMarks } from "./step-marks.js";

export const DEFAULT_DRAIN_GRACE_MS = 5_000;
/** envd's quiesce and re-init are quick; a stuck envd must not hold the pause forever. */
const ENVD_CALL_TIMEOUT_MS = 10_000;
/** A checkpoint of a sandbox at its memory limit writes that much to disk. */
const CHECKPOINT_TIMEOUT_MS = 300_000;

export interface PauseOptions {
  /** False stops the processes and keeps only the files; resume then starts envd afresh. */
  readonly memory: boolean;
  /** How long in-flight proxied connections may finish before they are closed. */
  readonly drainGraceMs: number;
}

export interface PauseDeps extends ManagerDeps {
  readonly tracker: Pick<ConnectionTracker, "drain" | "enable">;
}

/**
 * Pauses a sandbox, in this order: refuse new operations and proxied connections, drain the
 * open ones, let envd quiesce, checkpoint every process with its memory (CRIU, through the
 * runtime), then give back the slot and unmount the rootfs and the disk, keeping the disk
 * image. Until the processes are gone any failure puts the sandbox back to running with
 * nothing lost; after that the sandbox is paused whatever else fails (the image is safe).
 */
export function createSandboxPauser(deps: PauseDeps) {
  return (id: SandboxId, options: PauseOptions): Promise<SandboxRecord> =>
    deps.lock.run(id, () => pauseHeld(deps, id, options));
}

/** The pause itself; the caller holds the sandbox's lock (snapshot.ts pauses inside it). */
export async function pauseHeld(
  deps: PauseDeps,
  id: SandboxId,
  options: PauseOptions,
): Promise<SandboxRecord> {
  const record = deps.table.get(id);
  if (record.status === "paused") throw new InvalidStateError("paused", "pause", "already paused");
  if (record.status !== "running") throw new InvalidStateError(record.status, "pause");
  const slot = record.slot;
  if (!slot) throw new Error(`running sandbox ${id} has no network slot`);
  const log = deps.log.child({ sandboxId: id, op: "pause" });
  const started = performance.now();
  const { steps, mark } = createStepMarks();

  record.status = "pausing";
  await deps.table.save(record);
  const drained = await deps.tracker.drain(id, options.drainGraceMs);
  mark("drain");
  try {
    if (options.memory) await checkpoint(deps, record, slot, mark);
    else await deps.runtime.kill(id);
  } catch (error) {
    await backToRunning(deps, record, { slot, reinitEnvd: options.memory, log });
    throw error;
  }
  mark(options.memory ? "checkpoint" : "kill");

  const releaseMs = await releaseResources(deps, record, slot, log);
  mark("release");
  record.status = "paused";
  record.slot = undefined;
  record.pid = undefined;
  await deps.table.save(record);
  await removeOtherImages(deps, record, log);
  log.info(
    {
      memory: options.memory,
      durationMs: Math.round(performance.now() - started),
      stepsMs: steps,
      releaseMs,
      drained,
    },
    "sandbox paused",
  );
  return record;
}

/** envd quiesces, then the runtime dumps the processes into a fresh image and ends them. */
async function checkpoint(
  deps: PauseDeps,
  record: SandboxRecord,
  slot: SlotLease,
  mark: (step: string) => void,
): Promise<void> {
  await prepareEnvdSnapshot(slot.sandboxAddress, {
    accessToken: record.envdAccessToken,
    signal: AbortSignal.timeout(ENVD_CALL_TIMEOUT_MS),
  });
  mark("envd prepare");
  // A fresh name each time: the previous image (if any) goes only once this one is complete.
  const name = `cp-${Date.now().toString(36)}`;
  const previous = record.checkpoint;
  const imageDir = deps.layout.checkpointImageDir(record.id, name);
  // Saved first, so an agent killed mid-dump can tell which image to check (recover.ts).
  record.checkpoint = name;
  await deps.table.save(record);
  try {
    await deps.runtime.checkpoint(
      record.id,
      { imageDir, workDir: deps.layout.criuWorkDir(record.id) },
      AbortSignal.timeout(CHECKPOINT_TIMEOUT_MS),
    );
  } catch (error) {
    record.checkpoint = previous;
    await rm(imageDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The processes still run (frozen ones were thawed by the runtime): let traffic in again and
 * restart what /snapshot/prepare stopped. The original error is the one the caller sees.
 */
async function backToRunning(
  deps: PauseDeps,
  record: SandboxRecord,
  options: { slot: SlotLease; reinitEnvd: boolean; log: Logger },
): Promise<void> {
  if (options.reinitEnvd) {
    try {
      await initEnvd(
        options.slot.sandboxAddress,
        {},
        { currentToken: record.envdAccessToken, signal: AbortSignal.timeout(ENVD_CALL_TIMEOUT_MS) },
      );
    } catch (error) {
      options.log.warn({ err: error }, "envd did not restart port forwarding after a failed pause");
    }
  }
  record.status = "running";
  await deps.table.save(record);
  deps.tracker.enable(record.id);
  options.log.warn("pause failed; the sandbox is running again");
}

/**
 * Slot, rootfs and disk mounts go; the disk image stays. Failures are logged, not thrown.
 * Returns each step's duration for the log.
 */
async function releaseResources(
  deps: PauseDeps,
  record: SandboxRecord,
  slot: SlotLease,
  log: Logger,
): Promise<Record<string, number>> {
  const durationsMs: Record<string, number> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    try {
      await fn();
    } catch (error) {
      log.warn({ err: error, step: name }, "pause cleanup step failed");
    }
    durationsMs[name] = Math.round(performance.now() - started);
  };
  await Promise.all([
    (async () => {
      await step("close host connections", () => deps.slots.closeHostConnections(slot));
      await step("release slot", () => deps.slots.release(slot));
    })(),
    (async () => {
      await step("unmount rootfs", () => deps.rootfs.unmount(deps.layout.rootfsDir(record.id)));
      await step("detach disk", () => deps.disks.detach(record.id));
    })(),
  ]);
  return durationsMs;
}

/** Every image but the current one (a previous pause's, a partial one). */
async function removeOtherImages(
  deps: PauseDeps,
  record: SandboxRecord,
  log: Logger,
): Promise<void> {
  if (record.checkpoint === undefined) {
    await rm(deps.layout.checkpointDir(record.id), { recursive: true, force: true });
    return;
  }
  let names: string[] = [];
  try {
    names = await readdir(deps.layout.checkpointDir(record.id));
  } catch (error) {
    log.warn({ err: error }, "could not list old checkpoint images");
  }
  for (const name of names.filter((n) => n !== record.checkpoint)) {
    await rm(deps.layout.checkpointImageDir(record.id, name), { recursive: true, force: true });
  }
}
