import { SandboxStatus } from "@wrenn/proto/hostagent/v1";
import {
  ConflictError,
  InvalidArgumentError,
  InvalidStateError,
  NotFoundError,
  type SandboxId,
  type TeamId,
  type TemplateId,
  teamIds,
  templateIds,
} from "@wrenn/shared";
import type { Principal } from "../auth/principal.js";
import type { Sandbox } from "../db/queries/sandboxes.js";
import type { Template } from "../db/queries/templates.js";
import { isAgentNotFound } from "../hosts/agent-client.js";
import { PLACED_STATES } from "../hosts/scheduler/scheduler.js";
import type { SandboxContext } from "./sandbox-context.js";
import { reasonOf } from "./sandbox-input.js";

/** Names of templates: what the agent accepts in a path segment, and readable in a list. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

/**
 * Snapshot templates: a sandbox's memory and files, stored on its host as a template of the
 * team, from which new sandboxes start with their processes already running. A running source
 * is paused for the copy and resumed after, keeping its tokens, so its users see a short
 * stall; a paused one stays paused.
 */
export function createSnapshotService(ctx: SandboxContext) {
  const q = ctx.db.queries;

  async function create(
    actor: Principal,
    input: { sandboxId: SandboxId; name: string },
  ): Promise<Template> {
    if (!NAME.test(input.name)) {
      throw new InvalidArgumentError(
        `a snapshot name is 1-128 letters, digits, ".", "_" or "-", got ${JSON.stringify(input.name)}`,
      );
    }
    const source = await ctx.getOwned(actor.teamId, input.sandboxId);
    if (source.state !== "running" && source.state !== "paused") {
      throw new InvalidStateError(source.state, "snapshot");
    }
    // In the sandbox's queue: no pause, resume or destroy of it runs during the copy.
    return ctx.queue.run(source.id, () => snapshotQueued(actor, source.id, input.name));
  }

  async function snapshotQueued(actor: Principal, id: SandboxId, name: string): Promise<Template> {
    const source = await ctx.getOwned(actor.teamId, id);
    const wasRunning = source.state === "running";
    if (!wasRunning && source.state !== "paused")
      throw new InvalidStateError(source.state, "snapshot");
    const template = await q.templates.insert({
      teamId: actor.teamId,
      name,
      type: "snapshot",
      vcpus: source.vcpus,
      memoryMb: source.memoryMb,
      createdBy: actor.userId ?? null,
      sourceSandboxId: source.id,
    });
    if (!template) throw new ConflictError(`the team already has a template named ${name}`);
    if (wasRunning && !(await ctx.states.move(id, "running", "pausing"))) {
      await q.templates.deleteForTeam(actor.teamId, template.id);
      throw new InvalidStateError((await ctx.getOwned(actor.teamId, id)).state, "snapshot");
    }
    const agent = await ctx.agentOf(source);
    let sizeBytes: number;
    try {
      const made = await agent.createSnapshot(
        {
          sandboxId: id,
          teamId: teamIds.toUuid(actor.teamId),
          templateId: templateIds.toUuid(template.id),
          name,
          keepSource: true,
        },
        { signal: AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS) },
      );
      sizeBytes = Number(made.sizeBytes);
    } catch (error) {
      await q.templates.deleteForTeam(actor.teamId, template.id);
      if (wasRunning) await restoreAfterFailure(source, error);
      throw error;
    }
    if (wasRunning) await resumeSource(source);
    ctx.log.info({ sandboxId: id, templateId: template.id, sizeBytes }, "snapshot created");
    return (await q.templates.setSize(template.id, sizeBytes)) ?? template;
  }

  /** The agent keeps the source paused with its tokens; bring it back as the user left it. */
  async function resumeSource(source: Sandbox): Promise<void> {
    await ctx.states.move(source.id, "pausing", "paused");
    await ctx.states.move(source.id, "paused", "resuming");
    try {
      const agent = await ctx.agentOf(source);
      await agent.resumeSandbox({ sandboxId: source.id, timeoutSeconds: 0 });
      await ctx.states.move(source.id, "resuming", "running");
    } catch (error) {
      ctx.log.warn({ err: error, sandboxId: source.id }, "resuming a snapshot's source failed");
      await ctx.states.move(source.id, "resuming", "paused", {
        reason: `resume after snapshot failed: ${reasonOf(error)}`,
      });
    }
  }

  /** A failed snapshot may have paused the source or not; the agent's view decides. */
  async function restoreAfterFailure(source: Sandbox, error: unknown): Promise<void> {
    const reason = `snapshot failed: ${reasonOf(error)}`;
    const info = await (await ctx.agentOf(source)).getSandbox({ sandboxId: source.id });
    if (info.sandbox?.status === SandboxStatus.PAUSED) {
      await ctx.states.move(source.id, "pausing", "paused", { reason });
      await resumeSource(source);
      return;
    }
    await ctx.states.move(source.id, "pausing", "running", { reason });
  }

  async function list(teamId: TeamId, options: { sandboxId?: SandboxId } = {}) {
    return q.templates.listSnapshots(teamId, options.sandboxId);
  }

  /** Only the team's own snapshots; one still used by a live sandbox is kept (409). */
  async function remove(teamId: TeamId, id: TemplateId): Promise<void> {
    const template = await q.templates.getVisible(teamId, id);
    if (!template || template.isPlatform || template.type !== "snapshot") {
      throw new NotFoundError("snapshot", id);
    }
    const users = await q.sandboxes.countUsingTemplate(id, PLACED_STATES);
    if (users > 0) {
      throw new ConflictError(`snapshot ${id} is used by ${users} sandbox(es); destroy them first`);
    }
    // Any host may hold the files (the source's); each one that does not says not found.
    for (const host of await q.hosts.list(["online", "draining"])) {
      const agent = await ctx.hosts.forHost(host.id);
      try {
        await agent.deleteSnapshot({
          teamId: teamIds.toUuid(teamId),
          templateId: templateIds.toUuid(id),
        });
      } catch (error) {
        if (!isAgentNotFound(error)) throw error;
      }
    }
    await q.templates.deleteForTeam(teamId, id);
    ctx.log.info({ teamId, templateId: id }, "snapshot deleted");
  }

  return { create, list, remove };
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;
