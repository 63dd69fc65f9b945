import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type TeamId,
  type TeamRole,
  type UserId,
} from "@wrenn/shared";
import type { Logger } from "pino";
import type { Principal } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import type { Queries } from "../db/queries/index.js";
import type { MemberOfTeam } from "../db/queries/users-teams.js";
import { requireRole, requireUser } from "./access.js";
import { normalizeEmail } from "./accounts.js";

/*
 * Invariants, enforced under a row lock on the team so two requests cannot both pass the check:
 * - a team always keeps at least one owner;
 * - only an owner can make, unmake or remove an owner (an admin cannot touch owners).
 */

const LAST_OWNER = "a team must keep at least one owner: make someone else owner first";

async function lockTeam(q: Queries, teamId: TeamId): Promise<void> {
  if (!(await q.teams.lock(teamId))) throw new NotFoundError("team", teamId);
}

/** The team is locked (so live) by the caller; another team's user is simply not a member. */
async function requireMember(q: Queries, teamId: TeamId, userId: UserId): Promise<MemberOfTeam> {
  const member = await q.usersTeams.getMember(teamId, userId);
  if (!member) throw new NotFoundError("member", userId);
  return member;
}

async function ensureOtherOwner(q: Queries, teamId: TeamId): Promise<void> {
  if ((await q.usersTeams.countOwners(teamId)) <= 1) throw new ConflictError(LAST_OWNER);
}

export function createMemberService(deps: { db: Database; log: Logger }) {
  const { db, log } = deps;

  function audit(
    q: Queries,
    entry: { actor: UserId; teamId: TeamId; action: string; member: UserId; data?: object },
  ) {
    return q.auditLogs.insert({
      teamId: entry.teamId,
      actorUserId: entry.actor,
      actorKeyId: null,
      action: entry.action,
      resourceType: "member",
      resourceId: entry.member,
      data: { ...entry.data },
    });
  }

  return {
    /** Any member, or an API key of the team, may see who is in it. */
    list(actor: Principal): Promise<MemberOfTeam[]> {
      return db.queries.usersTeams.listForTeam(actor.teamId);
    },

    async add(actor: Principal, input: { email: string; role: TeamRole }): Promise<MemberOfTeam> {
      return db.transaction(async (q) => {
        await lockTeam(q, actor.teamId);
        const me = await requireRole(q, actor, "admin", "add members");
        if (input.role === "owner" && me.role !== "owner") {
          throw new ForbiddenError("only an owner can add an owner");
        }
        const user = await q.users.getByEmail(normalizeEmail(input.email));
        if (!user) throw new NotFoundError("user", input.email);
        const added = await q.usersTeams.insert({
          userId: user.id,
          teamId: actor.teamId,
          role: input.role,
        });
        if (!added) throw new ConflictError(`${input.email} is already a member of this team`);
        await audit(q, {
          actor: me.userId,
          teamId: actor.teamId,
          action: "member.add",
          member: user.id,
          data: { role: input.role },
        });
        log.info({ teamId: actor.teamId, userId: user.id, role: input.role }, "member added");
        return requireMember(q, actor.teamId, user.id);
      });
    },

    async changeRole(actor: Principal, userId: UserId, role: TeamRole): Promise<MemberOfTeam> {
      return db.transaction(async (q) => {
        await lockTeam(q, actor.teamId);
        const me = await requireRole(q, actor, "admin", "change roles");
        const target = await requireMember(q, actor.teamId, userId);
        if ((target.role === "owner" || role === "owner") && me.role !== "owner") {
          throw new ForbiddenError("only an owner can make or unmake an owner");
        }
        if (target.role === "owner" && role !== "owner") await ensureOtherOwner(q, actor.teamId);
        await q.usersTeams.updateRole(userId, actor.teamId, role);
        await audit(q, {
          actor: me.userId,
          teamId: actor.teamId,
          action: "member.role",
          member: userId,
          data: { from: target.role, to: role },
        });
        log.info({ teamId: actor.teamId, userId, role }, "member role changed");
        return requireMember(q, actor.teamId, userId);
      });
    },

    async remove(actor: Principal, userId: UserId): Promise<void> {
      await db.transaction(async (q) => {
        await lockTeam(q, actor.teamId);
        const me = await requireRole(q, actor, "admin", "remove members");
        const target = await requireMember(q, actor.teamId, userId);
        if (target.role === "owner") {
          if (me.role !== "owner") throw new ForbiddenError("only an owner can remove an owner");
          await ensureOtherOwner(q, actor.teamId);
        }
        await q.usersTeams.delete(userId, actor.teamId);
        await audit(q, {
          actor: me.userId,
          teamId: actor.teamId,
          action: "member.remove",
          member: userId,
        });
      });
      log.info({ teamId: actor.teamId, userId }, "member removed");
    },

    async leave(actor: Principal): Promise<void> {
      const userId = requireUser(actor, "leave a team");
      await db.transaction(async (q) => {
        await lockTeam(q, actor.teamId);
        const me = await requireMember(q, actor.teamId, userId);
        if (me.role === "owner") await ensureOtherOwner(q, actor.teamId);
        await q.usersTeams.delete(userId, actor.teamId);
        await audit(q, {
          actor: userId,
          teamId: actor.teamId,
          action: "member.leave",
          member: userId,
        });
      });
      log.info({ teamId: actor.teamId, userId }, "member left");
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
