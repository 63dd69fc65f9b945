import type { SandboxId, Uuid } from "@wrenn/shared";
import { InvalidArgumentError, InvalidStateError, NotFoundError } from "@wrenn/shared";
import type { MetricsSampler } from "../metrics/sampler.js";
import type { ConnectionTracker } from "../proxy/connection-tracker.js";
import type { EnvdClients } from "../relay/envd-clients.js";
import { createBackgroundJobs } from "./background-jobs.js";
import { type CreateSandboxInput, createSandboxCreator } from "./create.js";
import type { ManagerDeps } from "./deps.js";
import { createSandboxDestroyer } from "./destroy.js";
import { createSandboxPauser, DEFAULT_DRAIN_GRACE_MS, type PauseOptions } from "./pause.js";
import { isProcessAlive } from "./process-alive.js";
import { createReaper } from "./reaper.js";
import { recoverSandboxes } from "./recover.js";
import { createSandboxResumer, type ResumeOptions } from "./resume.js";
import type { SandboxRecord } from "./sandbox.js";
import { type CreateSnapshotInput, createSnapshotManager } from "./snapshot.js";

export interface SandboxManagerDeps extends ManagerDeps {
  readonly tracker: ConnectionTracker;
  readonly sampler: MetricsSampler;
  readonly clients: EnvdClients;
}

/** The sandbox lifecycle on this host: one entry point per operation, each in its own module. */
export function createSandboxManager(deps: SandboxManagerDeps) {
  const create = createSandboxCreator(deps);
  const destroyOne = createSandboxDestroyer(deps);

  async function destroy(id: SandboxId): Promise<void> {
    deps.table.get(id);
    deps.tracker.forget(id);
    try {
      await destroyOne(id);
    } finally {
      deps.sampler.forget(id);
      deps.clients.forget(id);
    }
  }

  /**
   * Checked under the sandbox's lock, so a pause or resume under way (whose pid changes as it
   * goes) is never mistaken for a death.
   */
  async function destroyIfDead(id: SandboxId): Promise<boolean> {
    const dead = await deps.lock.run(id, async () => {
      const record = deps.table.find(id);
      if (record?.status !== "running" || record.pid === undefined) return false;
      return !(await isProcessAlive(record.pid));
    });
    if (dead) await destroy(id);
    return dead;
  }

  async function setTimeout(id: SandboxId, timeoutSeconds: number): Promise<SandboxRecord> {
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new InvalidArgumentError(
        `timeoutSeconds must be a positive integer, got ${timeoutSeconds}`,
      );
    }
    return deps.lock.run(id, async () => {
      const record = deps.table.get(id);
      if (record.status !== "running")
        throw new InvalidStateError(record.status, "set the timeout of");
      record.endAt = new Date(deps.now().getTime() + timeoutSeconds * 1000);
      await deps.table.save(record);
      return record;
    });
  }

  const pauseOne = createSandboxPauser(deps);
  async function pause(id: SandboxId, options: Partial<PauseOptions> = {}): Promise<SandboxRecord> {
    const record = await pauseOne(id, {
      memory: options.memory ?? true,
      drainGraceMs: options.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS,
    });
    deps.sampler.forget(id);
    deps.clients.forget(id);
    return record;
  }

  const jobs = createBackgroundJobs(deps.log);
  const resumeOne = createSandboxResumer({ ...deps, jobs });
  async function resume(id: SandboxId, options: ResumeOptions = {}): Promise<SandboxRecord> {
    const record = await resumeOne(id, options);
    deps.clients.forget(id);
    return record;
  }

  const snapshots = createSnapshotManager({ ...deps, destroy });

  /**
   * Auto-pause keeps the memory when it can; a sandbox that cannot be checkpointed (a process
   * CRIU refuses, an envd that does not answer) keeps its files with a filesystem-only pause
   * rather than running on past its end, retried every tick, or losing everything.
   */
  async function autoPause(id: SandboxId): Promise<void> {
    try {
      await pause(id, { memory: true });
    } catch (error) {
      // Not running any more (destroyed, paused meanwhile): nothing left to do.
      if (error instanceof InvalidStateError || error instanceof NotFoundError) throw error;
      deps.log.warn(
        { err: error, sandboxId: id },
        "auto-pause without memory: the checkpoint failed",
      );
      await pause(id, { memory: false });
    }
  }

  const reaper = createReaper({
    log: deps.log.child({ component: "agent.reaper" }),
    table: deps.table,
    now: deps.now,
    destroy,
    pause: autoPause,
    destroyIfDead,
  });

  return {
    create: (input: CreateSandboxInput, signal: AbortSignal) => create(input, signal),
    destroy,
    pause,
    resume,
    createSnapshot: (input: CreateSnapshotInput) => snapshots.create(input),
    deleteSnapshot: (teamId: Uuid, templateId: string) => snapshots.remove(teamId, templateId),
    setTimeout,
    get: (id: SandboxId) => deps.table.get(id),
    list: () => deps.table.list(),
    recover: () => recoverSandboxes(deps),
    /** Resolves once background work (image removal) is done; shutdown awaits it. */
    idle: () => jobs.idle(),
    reaper,
  };
}

export type SandboxManager = ReturnType<typeof createSandboxManager>;
