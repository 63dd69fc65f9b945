import type { SandboxId } from "@wrenn/shared";
import { InvalidArgumentError, InvalidStateError } from "@wrenn/shared";
import type { MetricsSampler } from "../metrics/sampler.js";
import type { ConnectionTracker } from "../proxy/connection-tracker.js";
import type { EnvdClients } from "../relay/envd-clients.js";
import { type CreateSandboxInput, createSandboxCreator } from "./create.js";
import type { ManagerDeps } from "./deps.js";
import { createSandboxDestroyer } from "./destroy.js";
import { createReaper } from "./reaper.js";
import { recoverSandboxes } from "./recover.js";
import type { SandboxRecord } from "./sandbox.js";

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

  const reaper = createReaper({
    log: deps.log.child({ component: "agent.reaper" }),
    table: deps.table,
    now: deps.now,
    destroy,
    // Pausing arrives with checkpoint support; until then an expired sandbox is ended.
    pause: destroy,
  });

  return {
    create: (input: CreateSandboxInput, signal: AbortSignal) => create(input, signal),
    destroy,
    setTimeout,
    get: (id: SandboxId) => deps.table.get(id),
    list: () => deps.table.list(),
    recover: () => recoverSandboxes(deps),
    reaper,
  };
}

export type SandboxManager = ReturnType<typeof createSandboxManager>;
