import {
  InvalidStateError,
  isSandboxId,
  NotFoundError,
  type SandboxId,
  type SandboxState,
  type TeamId,
  UnavailableError,
} from "@wrenn/shared";
import type { FastifyReply } from "fastify";
import type { Sandbox } from "../../db/queries/sandboxes.js";
import type { E2bDeps } from "./deps.js";
import { E2B_STATE } from "./views.js";

const ID_CHARS = "cl-".length + 25;

/**
 * The path's sandbox id. E2B clients get 404 for anything that names no sandbox (the SDK's
 * `kill` returns false on it), so a malformed id is not a 400 here. Infra's legacy form
 * `<id>-<clientID>` is accepted: Wrenn ids have a fixed length, so the suffix is plain to see.
 */
export function parseE2bSandboxId(raw: string): SandboxId {
  const id = raw.length > ID_CHARS && raw[ID_CHARS] === "-" ? raw.slice(0, ID_CHARS) : raw;
  if (!isSandboxId(id)) throw new NotFoundError("sandbox", raw);
  return id;
}

/** The team's sandbox while it exists for E2B; a stopped or failed one is 404 as in infra. */
export async function getLiveSandbox(deps: E2bDeps, teamId: TeamId, raw: string): Promise<Sandbox> {
  const sandbox = await deps.sandboxes.get(teamId, parseE2bSandboxId(raw));
  if (E2B_STATE[sandbox.state] === null) throw new NotFoundError("sandbox", sandbox.id);
  return sandbox;
}

/** Longer than any single agent operation (5 min), so the service's own errors come first. */
const WAIT_LIMIT_MS = 6 * 60_000;

/**
 * The E2B routes answer with the outcome: after starting an operation they wait here for the
 * sandbox to settle. The wait ends early when the client goes away (the operation itself goes
 * on), and an operation that ended in `error` or `stopped` becomes a 503 carrying the reason.
 */
export async function awaitState(
  deps: E2bDeps,
  reply: FastifyReply,
  request: { teamId: TeamId; id: SandboxId; states: readonly SandboxState[]; doing: string },
): Promise<Sandbox> {
  const gone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) gone.abort(new Error("the client closed the connection"));
  };
  reply.raw.once("close", onClose);
  const limit = AbortSignal.timeout(WAIT_LIMIT_MS);
  try {
    return await deps.sandboxes.waitForState(
      request.teamId,
      request.id,
      request.states,
      AbortSignal.any([gone.signal, limit]),
    );
  } catch (error) {
    if (error instanceof InvalidStateError) {
      throw new UnavailableError(`${request.doing} failed: ${error.message}`, { cause: error });
    }
    if (gone.signal.aborted) {
      // Nobody reads this answer; a client error keeps it out of the error log.
      throw new UnavailableError(`the client left while ${request.doing}`, { cause: error });
    }
    if (limit.aborted) {
      throw new UnavailableError(
        `${request.doing} did not finish within ${WAIT_LIMIT_MS / 1000} s`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    reply.raw.off("close", onClose);
  }
}
