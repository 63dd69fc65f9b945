import { randomBytes } from "node:crypto";
import { NotFoundError, type TeamRole, type UserId } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Principal } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import type { Queries } from "../db/queries/index.js";
import type { Team } from "../db/queries/teams.js";
import type { TeamOfUser } from "../db/queries/users-teams.js";
import { requireRole } from "./access.js";
import type { TeamHooks } from "./team-hooks.js";

export interface TeamWithRole {
  readonly team: Team;
  /** The caller's role; null for an API key. */
  readonly role: TeamRole | null;
}

const SLUG_ATTEMPTS = 5;

/**
 * Inserts a team with a fresh random slug (12 hex chars, 48 bits). A clash is retried rather
 * than surfaced: the insert skips on conflict, so the surrounding transaction stays usable.
 */
export async function insertTeam(q: Queries, name: string): Promise<Team> {
  for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
    const team = await q.teams.insert({ slug: randomBytes(6).toString("hex"), name });
    if (team) return team;
  }
  throw new Error(`no free team slug after ${SLUG_ATTEMPTS} attempts`);
}

export function createTeamService(deps: { db: Database; hooks: TeamHooks; log: Logger }) {
  const { db, hooks, log } = deps;

  async function create(userId: UserId, input: { name: string }): Promise<TeamWithRole> {
    const team = await db.transaction(async (q) => {
      const team = await insertTeam(q, input.name);
      await q.usersTeams.insert({ userId, teamId: team.id, role: "owner" });
      await q.auditLogs.insert({
        teamId: team.id,
        actorUserId: userId,
        actorKeyId: null,
        action: "team.create",
        resourceType: "team",
        resourceId: team.id,
        data: { name: team.name },
      });
      return team;
    });
    log.info({ teamId: team.id, userId }, "team created");
    return { team, role: "owner" };
  }

  function listForUser(userId: UserId): Promise<TeamOfUser[]> {
    return db.queries.usersTeams.listForUser(userId);
  }

  /** The principal's team; the auth hook has already checked that the principal belongs to it. */
  async function get(actor: Principal): Promise<TeamWithRole> {
    const team = await db.queries.teams.get(actor.teamId);
    if (!team) throw new NotFoundError("team", actor.teamId);
    return { team, role: actor.role ?? null };
  }

  async function rename(actor: Principal, input: { name: string }): Promise<TeamWithRole> {
    return db.transaction(async (q) => {
      const membership = await requireRole(q, actor, "admin", "rename the team");
      const team = await q.teams.update(actor.teamId, { name: input.name });
      if (!team) throw new NotFoundError("team", actor.teamId);
      await q.auditLogs.insert({
        teamId: team.id,
        actorUserId: membership.userId,
        actorKeyId: null,
        action: "team.rename",
        resourceType: "team",
        resourceId: team.id,
        data: { name: team.name },
      });
      return { team, role: membership.role };
    });
  }

  /** Soft delete (the row stays for the audit log), then the registered cleanup hooks. */
  async function remove(actor: Principal): Promise<void> {
    const userId = await db.transaction(async (q) => {
      const membership = await requireRole(q, actor, "owner", "delete the team");
      if (!(await q.teams.softDelete(actor.teamId))) throw new NotFoundError("team", actor.teamId);
      await q.auditLogs.insert({
        teamId: actor.teamId,
        actorUserId: membership.userId,
        actorKeyId: null,
        action: "team.delete",
        resourceType: "team",
        resourceId: actor.teamId,
        data: {},
      });
      return membership.userId;
    });
    log.info({ teamId: actor.teamId, userId }, "team deleted");
    await hooks.runTeamDeleted({ teamId: actor.teamId, deletedBy: userId });
  }

  return { create, listForUser, get, rename, remove };
}

export type TeamService = ReturnType<typeof createTeamService>;
