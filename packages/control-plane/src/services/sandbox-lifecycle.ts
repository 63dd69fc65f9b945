import {
  InvalidArgumentError,
  InvalidStateError,
  newSandboxId,
  type SandboxId,
  type SandboxState,
  type TeamId,
  teamIds,
} from "@wrenn/shared";
import type { Principal } from "../auth/principal.js";
import type { Sandbox, SandboxPatch } from "../db/queries/sandboxes.js";
import type { Template } from "../db/queries/templates.js";
import { type AgentClient, isAgentNotFound } from "../hosts/agent-client.js";
import { stateOfAgentSandbox, timesOf } from "../hosts/agent-views.js";
import type { SandboxContext } from "./sandbox-context.js";
import { checkCidrs, checkTimeoutMs, reasonOf, SANDBOX_LIMITS, sizeFor } from "./sandbox-input.js";
import { hashToken } from "./sandbox-tokens.js";
import { agentTemplateId, type TemplateService } from "./templates.js";

export interface CreateSandboxInput {
  /** A template id (`tpl-…`) or name, the team's or the platform's; default `base`. */
  readonly template?: string;
  readonly vcpus?: number;
  readonly memoryMb?: number;
  readonly diskSizeMb?: number;
  /** Default 300 000 (5 minutes). */
  readonly timeoutMs?: number;
  readonly metadata?: Record<string, string>;
  /** The default environment of every process in the sandbox; sealed at rest. */
  readonly envVars?: Record<string, string>;
  /** Pause (keeping memory) instead of being killed when the timeout passes. */
  readonly autoPause?: boolean;
  readonly autoResume?: boolean;
  readonly allowInternetAccess?: boolean;
  readonly allowOut?: readonly string[];
  readonly denyOut?: readonly string[];
  /** Default true; false → user ports need the traffic token (`e2b-traffic-access-token`). */
  readonly allowPublicTraffic?: boolean;
  /** Default true; false → envd is open to anyone who can reach it (E2B's `secure: false`). */
  readonly secure?: boolean;
}

/** The raw tokens of a sandbox, derived on demand (services/sandbox-tokens.ts). */
export interface SandboxAccess {
  readonly envdAccessToken: string | null;
  readonly trafficAccessToken: string | null;
}

export interface SandboxWithAccess {
  readonly sandbox: Sandbox;
  readonly access: SandboxAccess;
}

/** Every agent lifecycle call gets this deadline; shutdown waits for calls in flight. */
const AGENT_LIFECYCLE_TIMEOUT_MS = 5 * 60_000;
const deadline = () => ({ signal: AbortSignal.timeout(AGENT_LIFECYCLE_TIMEOUT_MS) });

const DESTROYABLE: readonly SandboxState[] = [
  "pending",
  "starting",
  "running",
  "pausing",
  "paused",
  "resuming",
  "error",
  "missing",
];

const GONE_FROM_HOST = "the host no longer has this sandbox (reaped at its timeout, or destroyed)";

export function createSandboxLifecycle(ctx: SandboxContext, templates: TemplateService) {
  const q = ctx.db.queries.sandboxes;
  const log = ctx.log;

  function accessOf(sandbox: Sandbox): SandboxAccess {
    const generation = sandbox.tokenGeneration;
    return {
      envdAccessToken: sandbox.envdAccessTokenHash ? ctx.tokens.envd(sandbox.id, generation) : null,
      trafficAccessToken: sandbox.trafficAccessTokenHash
        ? ctx.tokens.traffic(sandbox.id, generation)
        : null,
    };
  }

  async function current(id: SandboxId): Promise<SandboxState> {
    return (await q.get(id))?.state ?? "stopped";
  }

  async function create(actor: Principal, input: CreateSandboxInput): Promise<SandboxWithAccess> {
    const template = await templates.resolve(actor.teamId, input.template ?? "base");
    const size = sizeFor(template, input);
    const timeoutMs = checkTimeoutMs(input.timeoutMs ?? SANDBOX_LIMITS.defaultTimeoutMs);
    // Traffic resumes only what a timeout paused; a sandbox killed at its timeout has no state.
    if (input.autoResume && !input.autoPause) {
      throw new InvalidArgumentError("autoResume needs autoPause: only a paused sandbox resumes");
    }
    const egress = {
      allowOut: checkCidrs("allowOut", input.allowOut),
      denyOut: checkCidrs("denyOut", input.denyOut),
    };
    const host = await ctx.scheduler.pick({ teamId: actor.teamId, ...size });
    const id = newSandboxId();
    const access: SandboxAccess = {
      envdAccessToken: input.secure === false ? null : ctx.tokens.envd(id, 0),
      trafficAccessToken: input.allowPublicTraffic === false ? ctx.tokens.traffic(id, 0) : null,
    };
    const envVars = input.envVars ?? {};
    const sandbox = await q.insert({
      id,
      teamId: actor.teamId,
      templateId: template.id,
      hostId: host.id,
      createdBy: actor.userId ?? null,
      ...size,
      timeoutMs,
      metadata: input.metadata ?? {},
      envVarsSealed:
        Object.keys(envVars).length > 0 ? ctx.secretBox.seal(JSON.stringify(envVars)) : null,
      autoPause: input.autoPause ?? false,
      autoResume: input.autoResume ?? false,
      allowInternetAccess: input.allowInternetAccess ?? true,
      egress,
      envdAccessTokenHash: access.envdAccessToken ? hashToken(access.envdAccessToken) : null,
      trafficAccessTokenHash: access.trafficAccessToken
        ? hashToken(access.trafficAccessToken)
        : null,
    });
    await ctx.events.publish({
      type: "sandbox.state",
      sandboxId: id,
      teamId: actor.teamId,
      from: null,
      to: "pending",
      at: ctx.clock(),
    });
    log.info({ sandboxId: id, teamId: actor.teamId, hostId: host.id }, "sandbox accepted");
    ctx.background(
      id,
      `create ${id}`,
      () => start(sandbox, template, envVars, access),
      async (error) => {
        await ctx.states.moveFromAny(id, ["pending", "starting"], "error", {
          reason: reasonOf(error),
        });
      },
    );
    return { sandbox, access };
  }

  async function start(
    sandbox: Sandbox,
    template: Template,
    envVars: Record<string, string>,
    access: SandboxAccess,
  ): Promise<void> {
    const starting = await ctx.states.move(sandbox.id, "pending", "starting");
    if (!starting) return; // destroyed before it began
    const agent = await ctx.agentOf(starting);
    const response = await agent.createSandbox(
      {
        sandboxId: sandbox.id,
        teamId: teamIds.toUuid(sandbox.teamId),
        templateId: agentTemplateId(template),
        vcpus: sandbox.vcpus,
        memoryMib: sandbox.memoryMb,
        diskMib: sandbox.diskSizeMb,
        timeoutSeconds: Math.ceil(sandbox.timeoutMs / 1000),
        envVars,
        envdAccessToken: access.envdAccessToken ?? "",
        network: {
          internetAccess: sandbox.allowInternetAccess,
          allowCidrs: [...sandbox.egress.allowOut],
          denyCidrs: [...sandbox.egress.denyOut],
        },
        autoPause: sandbox.autoPause,
        metadata: sandbox.metadata,
      },
      deadline(),
    );
    const running = await ctx.states.move(sandbox.id, "starting", "running", {
      set: timesOf(response.sandbox),
    });
    if (!running) await destroyAbandoned(agent, sandbox.id);
    else log.info({ sandboxId: sandbox.id }, "sandbox running");
  }

  /**
   * The sandbox moved on while the agent was creating it. A destroy queued behind this job
   * removes it; any other state (another replica, the reconciler) leaves nobody to, so here.
   */
  async function destroyAbandoned(agent: AgentClient, id: SandboxId): Promise<void> {
    if ((await current(id)) === "stopping") return;
    log.warn({ sandboxId: id }, "sandbox changed state while starting; destroying it on the host");
    await destroyOnAgent(agent, id);
  }

  async function destroyOnAgent(agent: AgentClient, id: SandboxId): Promise<void> {
    try {
      await agent.destroySandbox({ sandboxId: id }, deadline());
    } catch (error) {
      if (!isAgentNotFound(error)) throw error;
    }
  }

  /** Moves to `stopping` now; the host destroys it in the background. Stopped stays stopped. */
  async function beginDestroy(sandbox: Sandbox, reason: string): Promise<Sandbox> {
    const moved = await ctx.states.moveFromAny(sandbox.id, DESTROYABLE, "stopping");
    if (!moved) return (await q.get(sandbox.id)) ?? sandbox;
    ctx.background(
      sandbox.id,
      `destroy ${sandbox.id}`,
      async () => {
        if (moved.hostId) await destroyOnAgent(await ctx.agentOf(moved), moved.id);
        await ctx.states.move(moved.id, "stopping", "stopped", {
          set: { endAt: ctx.clock() },
          reason,
        });
        log.info({ sandboxId: moved.id, reason }, "sandbox stopped");
      },
      async (error) => {
        await ctx.states.move(moved.id, "stopping", "error", {
          reason: `destroy failed: ${reasonOf(error)}`,
        });
      },
    );
    return moved;
  }

  /**
   * After a failed pause or resume: the agent's own view decides (a pause it refused leaves the
   * sandbox running); a sandbox it no longer has is stopped; no answer at all is an error.
   */
  async function settle(
    sandbox: Sandbox,
    transient: SandboxState,
    action: string,
    error: unknown,
  ): Promise<void> {
    const reason = `${action} failed: ${reasonOf(error)}`;
    let agentState: SandboxState | null = null;
    try {
      const info = await (await ctx.agentOf(sandbox)).getSandbox({ sandboxId: sandbox.id });
      agentState = info.sandbox ? stateOfAgentSandbox(info.sandbox.status) : null;
    } catch (lookup) {
      if (!isAgentNotFound(lookup)) {
        await ctx.states.move(sandbox.id, transient, "error", { reason });
        return;
      }
      await ctx.states.move(sandbox.id, transient, "stopping", { reason: GONE_FROM_HOST });
      await ctx.states.move(sandbox.id, "stopping", "stopped", { reason: GONE_FROM_HOST });
      return;
    }
    const to = agentState === "running" || agentState === "paused" ? agentState : "error";
    await ctx.states.move(sandbox.id, transient, to, { reason });
  }

  async function pause(
    teamId: TeamId,
    id: SandboxId,
    options: { memory?: boolean } = {},
  ): Promise<Sandbox> {
    await ctx.getOwned(teamId, id);
    const moved = await ctx.states.move(id, "running", "pausing");
    if (!moved) throw new InvalidStateError(await current(id), "pause");
    ctx.background(
      id,
      `pause ${id}`,
      async () => {
        const agent = await ctx.agentOf(moved);
        await agent.pauseSandbox({ sandboxId: id, memory: options.memory ?? true }, deadline());
        await ctx.states.move(id, "pausing", "paused");
        log.info({ sandboxId: id }, "sandbox paused");
      },
      (error) => settle(moved, "pausing", "pause", error),
    );
    return moved;
  }

  async function resume(
    teamId: TeamId,
    id: SandboxId,
    options: { timeoutMs?: number; rotateTokens?: boolean } = {},
  ): Promise<SandboxWithAccess> {
    const sandbox = await ctx.getOwned(teamId, id);
    const timeoutMs =
      options.timeoutMs === undefined ? sandbox.timeoutMs : checkTimeoutMs(options.timeoutMs);
    const set: SandboxPatch = { timeoutMs, ...(options.rotateTokens && rotated(sandbox)) };
    const moved = await ctx.states.move(id, "paused", "resuming", { set });
    if (!moved) throw new InvalidStateError(await current(id), "resume");
    const access = accessOf(moved);
    ctx.background(
      id,
      `resume ${id}`,
      async () => {
        const agent = await ctx.agentOf(moved);
        const response = await agent.resumeSandbox(
          {
            sandboxId: id,
            timeoutSeconds: Math.ceil(timeoutMs / 1000),
            // Empty keeps envd's current token; only a rotation hands it a new one.
            envdAccessToken: options.rotateTokens ? (access.envdAccessToken ?? "") : "",
          },
          deadline(),
        );
        await ctx.states.move(id, "resuming", "running", { set: timesOf(response.sandbox) });
        log.info({ sandboxId: id }, "sandbox resumed");
      },
      (error) => settle(moved, "resuming", "resume", error),
    );
    return { sandbox: moved, access };
  }

  /** The next generation's token hashes: the old tokens stop working once the agent has these. */
  function rotated(sandbox: Sandbox): SandboxPatch {
    const generation = sandbox.tokenGeneration + 1;
    return {
      tokenGeneration: generation,
      envdAccessTokenHash: sandbox.envdAccessTokenHash
        ? hashToken(ctx.tokens.envd(sandbox.id, generation))
        : null,
      trafficAccessTokenHash: sandbox.trafficAccessTokenHash
        ? hashToken(ctx.tokens.traffic(sandbox.id, generation))
        : null,
    };
  }

  async function setTimeout(teamId: TeamId, id: SandboxId, timeoutMs: number): Promise<Sandbox> {
    const ms = checkTimeoutMs(timeoutMs);
    const { agent } = await ctx.running(teamId, id, "set the timeout of");
    const response = await agent.setSandboxTimeout({
      sandboxId: id,
      timeoutSeconds: Math.ceil(ms / 1000),
    });
    const { endAt } = timesOf(response.sandbox);
    const updated = await q.update(id, { timeoutMs: ms, ...(endAt && { endAt }) }, ["running"]);
    return updated ?? ctx.getOwned(teamId, id);
  }

  /** Every sandbox of a deleted team, page by page (destroying moves them out of the filter). */
  async function destroyAllOfTeam(teamId: TeamId): Promise<number> {
    let count = 0;
    for (;;) {
      const page = await q.listForTeam(teamId, { states: DESTROYABLE, limit: 100 });
      if (page.length === 0) return count;
      for (const sandbox of page) await beginDestroy(sandbox, "its team was deleted");
      count += page.length;
    }
  }

  return {
    create,
    accessOf,
    destroy: async (teamId: TeamId, id: SandboxId) =>
      beginDestroy(await ctx.getOwned(teamId, id), "destroyed on request"),
    beginDestroy,
    pause,
    resume,
    setTimeout,
    destroyAllOfTeam,
  };
}

export type SandboxLifecycle = ReturnType<typeof createSandboxLifecycle>;
