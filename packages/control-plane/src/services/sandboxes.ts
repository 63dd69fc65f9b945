/**
 * The sandbox service: every rule about sandboxes, for the native routes (api/sandboxes/) and
 * the E2B routes (api/e2b/) alike. No HTTP and no SQL here; errors are WrennErrors
 * (`not_found` for another team's sandbox, `invalid_state` when the state forbids the action).
 *
 * Stable API (all methods take the team first; ids are wire ids `cl-…`):
 *
 * Lifecycle: answers at once, the work runs in the background (JobTracker), one operation at a
 * time per sandbox, and every state change is a `sandbox.state` event on the bus.
 * - `create(actor, input)` → `{sandbox, access}`: state `pending`; then `starting` → `running`,
 *   or `error` with `statusReason`. `access` holds the raw envd/traffic tokens (null when off).
 * - `destroy(teamId, id)` → `stopping` → `stopped` (idempotent: a stopped sandbox is returned).
 * - `pause(teamId, id, {memory?})` → `pausing` → `paused`; a pause the host refuses leaves it
 *   `running` with `statusReason` saying why. 409 unless running.
 * - `resume(teamId, id, {timeoutMs?, rotateTokens?})` → `{sandbox, access}`: `resuming` →
 *   `running`. Tokens stay the same unless `rotateTokens` (E2B SDK instances keep theirs).
 * - `waitForState(teamId, id, states, signal)` → the sandbox once in one of `states`; rejects
 *   with InvalidStateError if it ends `stopped`/`error` instead (include them to accept them).
 *   The E2B routes, which answer with the outcome, call the operation and then this.
 *
 * Reads and synchronous operations:
 * - `get(teamId, id)`, `list(teamId, {states?, metadata?, limit, after?})` (newest first;
 *   without `states`, everything but `stopped`), `access(teamId, id)` (the raw tokens again,
 *   e.g. for E2B connect and get).
 * - `setTimeout(teamId, id, timeoutMs)`: the sandbox now ends `timeoutMs` from now (running only).
 * - `metrics(teamId, id, {fresh?})`, `exec(teamId, id, req, signal)`,
 *   `execStream(teamId, id, req, signal)` → AsyncIterable of started/stdout/stderr/exit events,
 *   `uploadFile(teamId, id, {path, user?}, chunks, signal)`, `downloadFile(…)` →
 *   `{sizeBytes, body}` (both over HTTP to envd's /files), `listDir`, `makeDir`, `removePath`, `terminal(teamId, id, {size, pid?}, signal)` →
 *   `{pid, events}`, `terminalInput`, `resizeTerminal`, `listProcesses`, `signalProcess`:
 *   running sandboxes only (409 otherwise).
 * - `resumeForTraffic(sandbox, signal)`: the proxy's auto-resume (sandboxes made with
 *   `autoResume`).
 *
 * Limits (`SANDBOX_LIMITS` in sandbox-input.ts): timeoutMs 1 s … 24 days (default 5 min),
 * vcpus 1–64 (1), memoryMb 128–262144 (512), diskSizeMb 512–1048576 (20480).
 */
import {
  isWrennError,
  SANDBOX_STATES,
  type SandboxId,
  type SandboxState,
  type TeamId,
} from "@wrenn/shared";
import type { Sandbox, SandboxListFilter } from "../db/queries/sandboxes.js";
import { createSandboxContext, type SandboxServiceDeps } from "./sandbox-context.js";
import { createSandboxFileTransfer } from "./sandbox-file-transfer.js";
import { createSandboxLifecycle } from "./sandbox-lifecycle.js";
import { createSandboxRelay } from "./sandbox-relay.js";
import { waitForState } from "./sandbox-states.js";
import { createSnapshotService } from "./snapshots.js";
import type { TeamHooks } from "./team-hooks.js";
import { createTemplateService } from "./templates.js";

export type { SandboxServiceDeps } from "./sandbox-context.js";
export { SANDBOX_LIMITS } from "./sandbox-input.js";
export type { CreateSandboxInput, SandboxAccess, SandboxWithAccess } from "./sandbox-lifecycle.js";
export type {
  ExecEvent,
  ExecRequest,
  ExecResult,
  FileEntry,
  MetricSample,
  OpenedTerminal,
  ProcessSummary,
  TerminalEvent,
} from "./sandbox-relay.js";

/** What a list shows when no state is asked for: everything not yet gone. */
export const LISTED_BY_DEFAULT: readonly SandboxState[] = SANDBOX_STATES.filter(
  (state) => state !== "stopped",
);

export type SandboxListOptions = Omit<SandboxListFilter, "states"> & {
  readonly states?: readonly SandboxState[];
};

export function createSandboxService(
  deps: SandboxServiceDeps & { readonly teamHooks: Pick<TeamHooks, "onTeamDeleted"> },
) {
  const ctx = createSandboxContext(deps);
  const templates = createTemplateService({ db: deps.db });
  const lifecycle = createSandboxLifecycle(ctx, templates);
  const relay = createSandboxRelay(ctx);
  const files = createSandboxFileTransfer(ctx);
  const q = deps.db.queries.sandboxes;

  deps.teamHooks.onTeamDeleted(async ({ teamId }) => {
    const count = await lifecycle.destroyAllOfTeam(teamId);
    if (count > 0) deps.log.info({ teamId, count }, "destroying a deleted team's sandboxes");
  });

  const sandboxes = {
    create: lifecycle.create,
    destroy: lifecycle.destroy,
    pause: lifecycle.pause,
    resume: lifecycle.resume,
    setTimeout: lifecycle.setTimeout,

    get: (teamId: TeamId, id: SandboxId): Promise<Sandbox> => ctx.getOwned(teamId, id),

    list(teamId: TeamId, options: SandboxListOptions): Promise<Sandbox[]> {
      return q.listForTeam(teamId, { ...options, states: options.states ?? LISTED_BY_DEFAULT });
    },

    async access(teamId: TeamId, id: SandboxId) {
      return lifecycle.accessOf(await ctx.getOwned(teamId, id));
    },

    waitForState(
      teamId: TeamId,
      id: SandboxId,
      states: readonly SandboxState[],
      signal: AbortSignal,
    ): Promise<Sandbox> {
      return waitForState({ sandboxes: q, events: deps.events }, { teamId, id, states, signal });
    },

    /**
     * For the proxy: resumes a paused sandbox that asked for it (`autoResume`), or joins a
     * resume under way, and waits for the outcome; null when it did not come back running.
     */
    async resumeForTraffic(sandbox: Sandbox, signal: AbortSignal): Promise<Sandbox | null> {
      const { teamId, id } = sandbox;
      if (!sandbox.autoResume) return null;
      if (sandbox.state === "paused") {
        try {
          await lifecycle.resume(teamId, id);
          deps.log.info({ sandboxId: id }, "resuming a paused sandbox for its traffic");
        } catch (error) {
          // Someone else moved it first (a resume under way): wait for theirs.
          if (!isWrennError(error) || error.code !== "invalid_state") throw error;
        }
      }
      const states = { sandboxes: q, events: deps.events };
      const settled = await waitForState(states, {
        teamId,
        id,
        states: ["running", "paused"],
        signal,
      });
      return settled.state === "running" ? settled : null;
    },

    ...relay,
    ...files,

    /** For the reconciler: whether this process has lifecycle work queued on the sandbox. */
    isBusy: (id: SandboxId) => ctx.queue.isBusy(id),
  };

  return {
    sandboxes,
    snapshots: createSnapshotService(ctx),
    templates,
  };
}

export type SandboxService = ReturnType<typeof createSandboxService>["sandboxes"];
