import type { SandboxInfo } from "@wrenn/proto/hostagent/v1";
import { isSandboxId, type SandboxId, type SandboxState } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Host, HostQueries } from "../db/queries/hosts.js";
import type { Sandbox, SandboxQueries } from "../db/queries/sandboxes.js";
import type { SandboxStateWriter, StateChange } from "../services/sandbox-states.js";
import { type AgentClient, isAgentNotFound } from "./agent-client.js";
import { stateOfAgentSandbox, timesOf } from "./agent-views.js";
import type { HostClients } from "./host-clients.js";

/**
 * Keeps the database in step with what the hosts really run; each host agent's table is the
 * truth for its machine. One pass per host compares the rows placed there with ListSandboxes:
 * - a sandbox the agent no longer has is `stopped` (reaped at its timeout, or destroyed there);
 * - a transient state the agent contradicts is repaired (`starting` but running → `running`,
 *   `pausing` but paused → `paused`, `running` but paused by the agent's auto-pause → `paused`);
 * - a sandbox the agent runs with no live row (a database reset, a create abandoned mid-way) is
 *   destroyed there.
 * Rows with lifecycle work in flight in this process are left alone, and so are rows in a
 * transient state changed within `graceMs` (another replica may be working on them).
 */
export interface Reconciler {
  /** One pass over every online host; what failed is logged and retried next pass. */
  runOnce(): Promise<void>;
  /** Passes every `intervalMs` until `stop`. */
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface ReconcilerDeps {
  readonly hosts: Pick<HostQueries, "list">;
  readonly sandboxes: Pick<SandboxQueries, "listByHost">;
  readonly clients: HostClients;
  readonly states: SandboxStateWriter;
  readonly isBusy: (id: SandboxId) => boolean;
  readonly log: Logger;
  readonly clock: () => Date;
  readonly intervalMs: number;
  /** How long a transient state (starting, pausing, …) is left to its worker; default 60 s. */
  readonly graceMs?: number;
}

const LIVE: readonly SandboxState[] = [
  "pending",
  "starting",
  "running",
  "pausing",
  "paused",
  "resuming",
  "stopping",
  "missing",
];
const TRANSIENT: readonly SandboxState[] = [
  "pending",
  "starting",
  "pausing",
  "resuming",
  "stopping",
];
const GONE = "the host no longer has this sandbox (reaped at its timeout, or destroyed there)";

type Step = { readonly from: SandboxState; readonly to: SandboxState };

/**
 * The writes that bring a row in `db` state to the agent's state (null: the agent no longer
 * has it). Pure, so the rules are tested without hosts; each step is one allowed transition.
 */
export function repairSteps(db: SandboxState, agent: SandboxState | null): Step[] {
  if (agent === null) {
    if (db === "pending" || db === "starting") return [{ from: db, to: "error" }];
    if (db === "stopping") return [{ from: db, to: "stopped" }];
    if (db === "missing") return [{ from: db, to: "stopped" }];
    return [
      { from: db, to: "stopping" },
      { from: "stopping", to: "stopped" },
    ];
  }
  if (agent === db) return [];
  const key = `${db}>${agent}`;
  const table: Record<string, Step[]> = {
    "starting>running": [{ from: "starting", to: "running" }],
    "pausing>paused": [{ from: "pausing", to: "paused" }],
    "pausing>running": [{ from: "pausing", to: "running" }],
    "resuming>running": [{ from: "resuming", to: "running" }],
    "resuming>paused": [{ from: "resuming", to: "paused" }],
    "running>paused": [
      { from: "running", to: "pausing" },
      { from: "pausing", to: "paused" },
    ],
    "paused>running": [
      { from: "paused", to: "resuming" },
      { from: "resuming", to: "running" },
    ],
    "missing>running": [{ from: "missing", to: "running" }],
    "missing>paused": [{ from: "missing", to: "paused" }],
  };
  return table[key] ?? [];
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const graceMs = deps.graceMs ?? 60_000;
  const log = deps.log;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> | null = null;
  let stopped = false;

  async function reconcileHost(host: Host): Promise<void> {
    const agent = await deps.clients.forHost(host.id);
    // The agent first, then the database: a sandbox exists on an agent only after its row was
    // written, so every sandbox in this list has its row in the read below (no false orphans).
    const { sandboxes: onAgent } = await agent.listSandboxes({});
    const rows = await deps.sandboxes.listByHost(host.id, LIVE);
    const agentById = new Map<string, SandboxInfo>(onAgent.map((s) => [s.sandboxId, s]));
    const now = deps.clock().getTime();
    for (const row of rows) {
      const info = agentById.get(row.id);
      agentById.delete(row.id);
      if (deps.isBusy(row.id)) continue;
      // Work on it may be in flight in another replica (or had not reached the agent yet).
      if (TRANSIENT.includes(row.state) && now - row.updatedAt.getTime() < graceMs) continue;
      const agentState = info ? stateOfAgentSandbox(info.status) : null;
      // The agent is itself between states: look again next pass.
      if (info && agentState !== "running" && agentState !== "paused") continue;
      await repair(row, agentState, info);
    }
    for (const id of agentById.keys()) {
      if (!isSandboxId(id) || deps.isBusy(id)) continue;
      log.warn(
        { sandboxId: id, hostId: host.id },
        "host runs a sandbox with no live row; destroying it",
      );
      await destroyOrphan(agent, id);
    }
  }

  async function destroyOrphan(agent: AgentClient, id: SandboxId): Promise<void> {
    try {
      await agent.destroySandbox({ sandboxId: id });
    } catch (error) {
      if (!isAgentNotFound(error)) throw error;
    }
  }

  async function repair(row: Sandbox, agentState: SandboxState | null, info?: SandboxInfo) {
    const steps = repairSteps(row.state, agentState);
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1;
      const change: StateChange =
        agentState === null
          ? {
              reason:
                row.state === "pending" || row.state === "starting"
                  ? "interrupted: the host never started it"
                  : GONE,
            }
          : {
              set: last && step.to === "running" ? timesOf(info) : {},
              reason: "reconciled with the host",
            };
      const moved = await deps.states.move(row.id, step.from, step.to, change);
      if (!moved) return; // someone else changed it meanwhile: next pass sees the new state
    }
    if (steps.length > 0) {
      log.info(
        { sandboxId: row.id, from: row.state, to: steps.at(-1)?.to },
        "sandbox state reconciled with its host",
      );
    }
  }

  async function runOnce(): Promise<void> {
    const hosts = await deps.hosts.list(["online", "draining"]);
    for (const host of hosts) {
      try {
        await reconcileHost(host);
      } catch (error) {
        log.warn({ err: error, hostId: host.id }, "reconciling a host failed; retrying next pass");
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      pass = runOnce()
        .catch((error: unknown) => log.error({ err: error }, "reconciler pass failed"))
        .finally(() => {
          pass = null;
          schedule();
        });
    }, deps.intervalMs);
  }

  return {
    runOnce,
    start() {
      if (timer || stopped) return;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
