import { rm } from "node:fs/promises";
import { InvalidArgumentError, InvalidStateError, type SandboxId } from "@wrenn/shared";
import { type EnvdInit, initEnvd, waitForEnvd } from "../envd/envd-client.js";
import type { ConnectionTracker } from "../proxy/connection-tracker.js";
import type { RunningSandbox } from "../runtime/driver.js";
import type { BackgroundJobs } from "./background-jobs.js";
import { DEFAULTS } from "./create.js";
import type { ManagerDeps } from "./deps.js";
import type { SandboxRecord } from "./sandbox.js";
import { buildSandboxSpec } from "./sandbox-spec.js";
import { createStepMarks } from "./step-marks.js";
import { createUndoStack } from "./undo-stack.js";

const MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;
const ENVD_CALL_TIMEOUT_MS = 10_000;
const RESUME_TIMEOUT_MS = 300_000;

export interface ResumeOptions {
  /** The sandbox ends this long after the resume; the create default when not given. */
  readonly timeoutSeconds?: number;
  /** Replaces the sandbox's env vars. */
  readonly envVars?: Record<string, string>;
  /** A rotated envd token; the current one stays when not given. */
  readonly envdAccessToken?: string;
}

export interface ResumeDeps extends ManagerDeps {
  readonly tracker: Pick<ConnectionTracker, "enable">;
  readonly jobs: Pick<BackgroundJobs, "run">;
}

/**
 * Resumes a paused sandbox: a free slot, the disk mounted again under a fresh overlay, the
 * processes restored from the checkpoint (the same address inside, whatever the slot), then
 * envd's port forwarding restarted through /init with the current token and any new env vars
 * or token. A filesystem-only pause starts envd afresh instead, as create does. On failure
 * everything taken is given back and the sandbox stays paused with its image.
 */
export function createSandboxResumer(deps: ResumeDeps) {
  return (id: SandboxId, options: ResumeOptions = {}): Promise<SandboxRecord> =>
    deps.lock.run(id, async () => {
      const record = deps.table.get(id);
      if (record.status !== "paused") {
        const detail = record.status === "running" ? "it is not paused" : undefined;
        throw new InvalidStateError(record.status, "resume", detail);
      }
      const timeoutSeconds = checkTimeout(options.timeoutSeconds);
      const log = deps.log.child({ sandboxId: id, op: "resume" });
      const started = performance.now();
      const undo = createUndoStack(log);
      const image = record.checkpoint;
      record.status = "resuming";
      const steps = createStepMarks();
      try {
        const running = await restart(deps, record, options, undo, steps.mark);
        record.pid = running.pid;
        if (options.envVars) record.envVars = { ...options.envVars };
        if (options.envdAccessToken) record.envdAccessToken = options.envdAccessToken;
        record.endAt = new Date(deps.now().getTime() + timeoutSeconds * 1000);
        record.checkpoint = undefined;
        record.status = "running";
        await deps.table.save(record);
        undo.commit();
        steps.mark("save");
      } catch (error) {
        await undo.unwind();
        record.status = "paused";
        record.slot = undefined;
        record.pid = undefined;
        await deps.table.save(record);
        log.warn({ err: error }, "resume failed; the sandbox stays paused");
        throw error;
      }
      deps.tracker.enable(id);
      // The processes have moved on: the image can never be restored again. Only that one
      // image goes (a pause may already be writing the next one beside it).
      if (image !== undefined) {
        deps.jobs.run(`remove image ${id}/${image}`, () =>
          rm(deps.layout.checkpointImageDir(id, image), { recursive: true, force: true }),
        );
      }
      log.info(
        {
          durationMs: Math.round(performance.now() - started),
          fromMemory: image !== undefined,
          stepsMs: steps.steps,
        },
        "sandbox resumed",
      );
      return record;
    });
}

async function restart(
  deps: ResumeDeps,
  record: SandboxRecord,
  options: ResumeOptions,
  undo: ReturnType<typeof createUndoStack>,
  mark: (step: string) => void,
): Promise<RunningSandbox> {
  const id = record.id;
  const signal = AbortSignal.timeout(RESUME_TIMEOUT_MS);
  // Independent, so at once; whichever succeeded is undone if the other failed.
  const [slotTaken, diskAttached] = await Promise.allSettled([
    deps.slots.acquire(record.network, signal),
    deps.disks.attach(id),
  ]);
  if (slotTaken.status === "fulfilled") {
    undo.push("release slot", () => deps.slots.release(slotTaken.value));
  }
  if (diskAttached.status === "fulfilled") undo.push("detach disk", () => deps.disks.detach(id));
  if (slotTaken.status === "rejected") throw slotTaken.reason;
  if (diskAttached.status === "rejected") throw diskAttached.reason;
  const slot = slotTaken.value;
  mark("slot+disk");
  const template = await deps.templates.resolve(record.templateTeamId, record.templateId);
  const disk = { upperDir: deps.layout.upperDir(id), workDir: deps.layout.workDir(id) };
  const rootfs = deps.layout.rootfsDir(id);
  await deps.rootfs.mount({ lowerDirs: template.lowerDirs, ...disk, target: rootfs });
  undo.push("unmount rootfs", () => deps.rootfs.unmount(rootfs));
  mark("rootfs");

  record.slot = slot;
  // With the slot on disk, an agent killed from here on adopts or frees it (recover.ts).
  await deps.table.save(record);
  const spec = await buildSandboxSpec({ record, slot, layout: deps.layout, envd: deps.envd });
  const image = record.checkpoint;
  let sandbox: RunningSandbox;
  if (image !== undefined) {
    sandbox = await deps.runtime.restore(
      spec,
      { imageDir: deps.layout.checkpointImageDir(id, image), workDir: deps.layout.criuWorkDir(id) },
      signal,
    );
  } else {
    sandbox = await deps.runtime.start(spec, signal);
  }
  // Restored processes may already have changed their files, so the image they came from might
  // no longer restore: a failure from here on checkpoints them again instead.
  if (image === undefined) undo.push("kill sandbox", () => deps.runtime.kill(id));
  else undo.push("checkpoint again", () => checkpointAgain(deps, record));
  mark(image === undefined ? "start" : "restore");

  const envdSignal = AbortSignal.any([signal, AbortSignal.timeout(ENVD_CALL_TIMEOUT_MS)]);
  const envVars = options.envVars ?? record.envVars;
  const token = options.envdAccessToken || record.envdAccessToken;
  if (image !== undefined) {
    // The restored envd still has its state; /init restarts port forwarding and applies changes.
    const body: EnvdInit = { envVars };
    if (token !== record.envdAccessToken) body.accessToken = token;
    await initEnvd(slot.sandboxAddress, body, {
      currentToken: record.envdAccessToken,
      signal: envdSignal,
    });
  } else {
    await waitForEnvd(slot.sandboxAddress, envdSignal);
    await initEnvd(
      slot.sandboxAddress,
      { envVars, accessToken: token, defaultUser: "user", defaultWorkdir: "/home/user" },
      { signal: envdSignal },
    );
  }
  mark("envd init");
  return sandbox;
}

/**
 * Dumps restored processes into a fresh image that becomes the sandbox's, so a failed resume
 * loses nothing; if even that fails they are killed and the previous image stays.
 */
async function checkpointAgain(deps: ResumeDeps, record: SandboxRecord): Promise<void> {
  const previous = record.checkpoint;
  const name = `cp-${Date.now().toString(36)}`;
  const imageDir = deps.layout.checkpointImageDir(record.id, name);
  try {
    await deps.runtime.checkpoint(
      record.id,
      { imageDir, workDir: deps.layout.criuWorkDir(record.id) },
      AbortSignal.timeout(RESUME_TIMEOUT_MS),
    );
  } catch (error) {
    deps.log.error(
      { err: error, sandboxId: record.id, image: previous },
      "could not checkpoint a half-resumed sandbox again; it keeps its previous image",
    );
    await rm(imageDir, { recursive: true, force: true });
    await deps.runtime.kill(record.id);
    return;
  }
  record.checkpoint = name;
  if (previous !== undefined) {
    await rm(deps.layout.checkpointImageDir(record.id, previous), { recursive: true, force: true });
  }
}

function checkTimeout(timeoutSeconds: number | undefined): number {
  const value = timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(
      `timeoutSeconds must be between 1 and ${MAX_TIMEOUT_SECONDS}, got ${value}`,
    );
  }
  return value;
}
