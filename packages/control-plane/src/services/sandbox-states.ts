import {
  InvalidStateError,
  NotFoundError,
  type SandboxId,
  type SandboxState,
  type TeamId,
} from "@wrenn/shared";
import type { Sandbox, SandboxPatch, SandboxQueries } from "../db/queries/sandboxes.js";
import type { EventBus } from "../events/bus.js";

export interface StateChange {
  /** Other columns written with the status. */
  readonly set?: SandboxPatch;
  /** Stored as the status reason and sent with the event; cleared when absent. */
  readonly reason?: string;
}

/**
 * Every sandbox status write of the services and the reconciler: the conditional
 * `transition()`, then a `sandbox.state` event when it matched, so subscribers (waiters, the
 * proxy's route cache) hear of every change exactly once per write.
 */
export interface SandboxStateWriter {
  /** From exactly `from`; null when the sandbox was not in it (someone else moved it first). */
  move(
    id: SandboxId,
    from: SandboxState,
    to: SandboxState,
    change?: StateChange,
  ): Promise<Sandbox | null>;
  /** From whichever of `from` it is in now; null when it is in none of them. */
  moveFromAny(
    id: SandboxId,
    from: readonly SandboxState[],
    to: SandboxState,
    change?: StateChange,
  ): Promise<Sandbox | null>;
}

// A sandbox changes state a handful of times per operation, so more misses than this in a row
// would mean a write loop somewhere, not contention.
const MAX_ATTEMPTS = 8;

export function createSandboxStateWriter(deps: {
  readonly sandboxes: Pick<SandboxQueries, "get" | "transition">;
  readonly events: EventBus;
  readonly clock: () => Date;
}): SandboxStateWriter {
  async function move(
    id: SandboxId,
    from: SandboxState,
    to: SandboxState,
    change: StateChange = {},
  ): Promise<Sandbox | null> {
    const moved = await deps.sandboxes.transition(id, {
      from,
      to,
      set: { ...change.set, statusReason: change.reason ?? null },
    });
    if (!moved) return null;
    await deps.events.publish({
      type: "sandbox.state",
      sandboxId: id,
      teamId: moved.teamId,
      from,
      to,
      at: deps.clock(),
      ...(change.reason !== undefined && { reason: change.reason }),
    });
    return moved;
  }

  // Reads the current state first so the event names the real `from` (a multi-state UPDATE
  // cannot return the old value), and retries when the state changes between read and write.
  async function moveFromAny(
    id: SandboxId,
    from: readonly SandboxState[],
    to: SandboxState,
    change?: StateChange,
  ): Promise<Sandbox | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await deps.sandboxes.get(id);
      if (!current || !from.includes(current.state)) return null;
      const moved = await move(id, current.state, to, change);
      if (moved) return moved;
    }
    throw new Error(`sandbox ${id} kept changing state; gave up moving it to ${to}`);
  }

  return { move, moveFromAny };
}

/** How often a waiter re-reads the database, for changes another replica made (no event here). */
const RECHECK_MS = 1_000;

/** States a wait ends in when the one it waits for did not come. */
const ENDED: readonly SandboxState[] = ["stopped", "error"];

/**
 * Resolves once the team's sandbox is in one of `states`, rejects with InvalidStateError when it
 * reaches `stopped` or `error` instead (unless asked for), NotFoundError for another team's or
 * an unknown sandbox, and the signal's reason on abort. Built on the events, with a database
 * re-read after each event that can end the wait and every second, so no change is missed
 * between read and wait.
 */
export async function waitForState(
  deps: {
    readonly sandboxes: Pick<SandboxQueries, "getForTeam">;
    readonly events: EventBus;
  },
  request: {
    readonly teamId: TeamId;
    readonly id: SandboxId;
    readonly states: readonly SandboxState[];
    readonly signal: AbortSignal;
  },
): Promise<Sandbox> {
  const { teamId, id, states, signal } = request;
  let changed = false;
  let wake: (() => void) | null = null;
  // Steps on the way (pending → starting) need no read: each is a query on the one connection
  // PGlite has, while the operation this waits for is busy with the database too.
  const settles = (to: SandboxState) => states.includes(to) || ENDED.includes(to);
  const unsubscribe = deps.events.subscribe("sandbox.state", (event) => {
    if (event.sandboxId !== id || !settles(event.to)) return;
    changed = true;
    wake?.();
  });
  try {
    for (;;) {
      signal.throwIfAborted();
      changed = false;
      const sandbox = await deps.sandboxes.getForTeam(teamId, id);
      if (!sandbox) throw new NotFoundError("sandbox", id);
      if (states.includes(sandbox.state)) return sandbox;
      if (ENDED.includes(sandbox.state)) {
        throw new InvalidStateError(
          sandbox.state,
          `wait for ${states.join(" or ")} on`,
          sandbox.statusReason ?? undefined,
        );
      }
      if (!changed) await nextChange(signal, (fn) => (wake = fn));
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}

function nextChange(signal: AbortSignal, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, RECHECK_MS);
    signal.addEventListener("abort", aborted, { once: true });
    onWake(done);
  });
}
