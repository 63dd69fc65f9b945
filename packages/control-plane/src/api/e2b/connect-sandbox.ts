import { ConflictError, InvalidArgumentError, type SandboxId, type TeamId } from "@wrenn/shared";
import type { FastifyReply } from "fastify";
import type { Principal } from "../../auth/principal.js";
import { SANDBOX_LIMITS, type SandboxWithAccess } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { awaitState, getLiveSandbox } from "./sandbox-ref.js";
import { ConnectSandbox, E2bSandbox, E2bSandboxParams } from "./schemas.js";
import { toE2bSandbox } from "./views.js";

/** Resumes a paused sandbox and waits until it runs again. */
async function resumeAndWait(
  deps: E2bDeps,
  reply: FastifyReply,
  request: { teamId: TeamId; id: SandboxId; timeoutMs: number | undefined },
): Promise<SandboxWithAccess> {
  const { access } = await deps.sandboxes.resume(request.teamId, request.id, {
    ...(request.timeoutMs !== undefined && { timeoutMs: request.timeoutMs }),
  });
  const sandbox = await awaitState(deps, reply, {
    teamId: request.teamId,
    id: request.id,
    states: ["running"],
    doing: "resuming the sandbox",
  });
  return { sandbox, access };
}

/**
 * E2B's connect: a running sandbox answers 200 and its timeout only ever grows; a paused one is
 * resumed (201); one between states is a 409 for the caller to retry.
 */
async function connect(
  deps: E2bDeps,
  reply: FastifyReply,
  request: { actor: Principal; rawId: string; timeoutMs: number; memory: boolean | undefined },
): Promise<{ status: 200 | 201; result: SandboxWithAccess }> {
  const { teamId } = request.actor;
  const sandbox = await getLiveSandbox(deps, teamId, request.rawId);
  if (sandbox.state === "paused") {
    if (request.memory === false) {
      throw new InvalidArgumentError(
        "resuming without memory (onResume: 'reboot') is not supported",
      );
    }
    const id = sandbox.id;
    return { status: 201, result: await resumeAndWait(deps, reply, { teamId, id, ...request }) };
  }
  if (sandbox.state !== "running") {
    throw new ConflictError(`sandbox ${sandbox.id} is ${sandbox.state}; retry once it settles`);
  }
  // Extend only: a connect never cuts short a timeout someone set for longer.
  const wantedEnd = Date.now() + request.timeoutMs;
  const extended =
    sandbox.endAt === null || sandbox.endAt.getTime() < wantedEnd
      ? await deps.sandboxes.setTimeout(teamId, sandbox.id, request.timeoutMs)
      : sandbox;
  const access = await deps.sandboxes.access(teamId, sandbox.id);
  return { status: 200, result: { sandbox: extended, access } };
}

/**
 * `POST /v2/sandboxes/{id}/connect` (2.51+), `POST /sandboxes/{id}/connect` (2.6–2.50) and
 * `POST /sandboxes/{id}/resume` (2.0–2.5, which calls it only for a paused sandbox and reads
 * 409 as "already running").
 */
export function connectSandboxRoutes(app: E2bApp, deps: E2bDeps): void {
  const schema = (summary: string, ok: Record<number, typeof E2bSandbox>) => ({
    tags: ["e2b"],
    summary,
    params: E2bSandboxParams,
    body: ConnectSandbox,
    response: withErrors(ok),
  });

  for (const url of ["/v2/sandboxes/:sandboxID/connect", "/sandboxes/:sandboxID/connect"]) {
    app.post(
      url,
      {
        config: { auth: "team" },
        schema: schema("Connect to a sandbox (E2B): resume it if paused", {
          200: E2bSandbox,
          201: E2bSandbox,
        }),
      },
      async (request, reply) => {
        const actor = principalOf(request);
        const body = request.body ?? {};
        const timeoutMs = (body.timeout ?? SANDBOX_LIMITS.defaultTimeoutMs / 1000) * 1000;
        const { status, result } = await connect(deps, reply, {
          actor,
          rawId: request.params.sandboxID,
          timeoutMs,
          memory: body.memory,
        });
        return reply
          .code(status)
          .send(toE2bSandbox(result.sandbox, result.access, { domain: deps.domain }));
      },
    );
  }

  app.post(
    "/sandboxes/:sandboxID/resume",
    {
      config: { auth: "team" },
      schema: schema("Resume a paused sandbox (E2B SDK 2.0–2.5)", { 201: E2bSandbox }),
    },
    async (request, reply) => {
      const actor = principalOf(request);
      const sandbox = await getLiveSandbox(deps, actor.teamId, request.params.sandboxID);
      if (sandbox.state !== "paused") {
        throw new ConflictError(`sandbox ${sandbox.id} is ${sandbox.state}, not paused`);
      }
      const timeout = request.body?.timeout;
      const result = await resumeAndWait(deps, reply, {
        teamId: actor.teamId,
        id: sandbox.id,
        timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      });
      return reply
        .code(201)
        .send(toE2bSandbox(result.sandbox, result.access, { domain: deps.domain }));
    },
  );
}
