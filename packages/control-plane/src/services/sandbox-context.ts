import {
  InvalidStateError,
  NotFoundError,
  type SandboxId,
  type TeamId,
  UnavailableError,
} from "@wrenn/shared";
import type { Logger } from "pino";
import type { SecretBox } from "../auth/secret-box.js";
import type { Database } from "../db/client.js";
import type { Sandbox } from "../db/queries/sandboxes.js";
import type { EventBus } from "../events/bus.js";
import type { AgentClient } from "../hosts/agent-client.js";
import type { HostClients } from "../hosts/host-clients.js";
import type { Scheduler } from "../hosts/scheduler/scheduler.js";
import type { JobTracker } from "./jobs.js";
import { createKeyedQueue, type KeyedQueue } from "./keyed-queue.js";
import { createSandboxStateWriter, type SandboxStateWriter } from "./sandbox-states.js";
import type { SandboxTokens } from "./sandbox-tokens.js";

export interface SandboxServiceDeps {
  readonly db: Database;
  readonly events: EventBus;
  readonly jobs: JobTracker;
  readonly hosts: HostClients;
  readonly scheduler: Scheduler;
  readonly tokens: SandboxTokens;
  readonly secretBox: SecretBox;
  readonly log: Logger;
  readonly clock: () => Date;
}

/** What the sandbox service's modules (lifecycle, relay, snapshots) share. */
export interface SandboxContext extends SandboxServiceDeps {
  readonly states: SandboxStateWriter;
  /** One operation at a time per sandbox id, in this process. */
  readonly queue: KeyedQueue;
  /** The team's sandbox; another team's or an unknown one is a NotFoundError. */
  getOwned(teamId: TeamId, id: SandboxId): Promise<Sandbox>;
  /** The team's running sandbox and its host's agent; InvalidStateError when not running. */
  running(teamId: TeamId, id: SandboxId, action: string): Promise<RunningSandbox>;
  agentOf(sandbox: Sandbox): Promise<AgentClient>;
  /**
   * Background work on one sandbox (the 202 part of create, pause, resume, destroy): tracked,
   * queued behind earlier work on the same sandbox, `onFailure` run inside the queue slot.
   */
  background(
    id: SandboxId,
    name: string,
    work: () => Promise<void>,
    onFailure: (error: unknown) => Promise<void>,
  ): void;
}

export interface RunningSandbox {
  readonly sandbox: Sandbox;
  readonly agent: AgentClient;
}

export function createSandboxContext(deps: SandboxServiceDeps): SandboxContext {
  const queue = createKeyedQueue();
  const states = createSandboxStateWriter({
    sandboxes: deps.db.queries.sandboxes,
    events: deps.events,
    clock: deps.clock,
  });

  async function getOwned(teamId: TeamId, id: SandboxId): Promise<Sandbox> {
    const sandbox = await deps.db.queries.sandboxes.getForTeam(teamId, id);
    if (!sandbox) throw new NotFoundError("sandbox", id);
    return sandbox;
  }

  async function agentOf(sandbox: Sandbox): Promise<AgentClient> {
    if (!sandbox.hostId) throw new UnavailableError(`sandbox ${sandbox.id} is on no host`);
    return deps.hosts.forHost(sandbox.hostId);
  }

  return {
    ...deps,
    states,
    queue,
    getOwned,
    agentOf,
    async running(teamId, id, action) {
      const sandbox = await getOwned(teamId, id);
      if (sandbox.state !== "running") throw new InvalidStateError(sandbox.state, action);
      return { sandbox, agent: await agentOf(sandbox) };
    },
    background(id, name, work, onFailure) {
      // The job's own signal is not passed on: shutdown lets started lifecycle work finish
      // (each agent call has its own deadline) rather than leave a sandbox half made.
      deps.jobs.run(name, () =>
        queue.run(id, async () => {
          try {
            await work();
          } catch (error) {
            try {
              await onFailure(error);
            } catch (secondary) {
              deps.log.error({ err: secondary, job: name }, "recording a failed operation failed");
            }
            throw error;
          }
        }),
      );
    },
  };
}
