import { type TeamId, type TeamRole, teamIds, type UserId, userIds } from "@wrenn/shared";
import { and, asc, count, desc, eq, isNull } from "drizzle-orm";
import type { Executor } from "../client.js";
import { teams, users, usersTeams } from "../schema.js";
import { type Team, toTeam } from "./teams.js";
import { toUser, type User } from "./users.js";

export interface Membership {
  readonly userId: UserId;
  readonly teamId: TeamId;
  readonly role: TeamRole;
  readonly isDefault: boolean;
  readonly createdAt: Date;
}

export interface TeamOfUser {
  readonly team: Team;
  readonly role: TeamRole;
  readonly isDefault: boolean;
}

export interface MemberOfTeam {
  readonly user: User;
  readonly role: TeamRole;
  readonly joinedAt: Date;
}

type MembershipRow = typeof usersTeams.$inferSelect;

function toMembership(row: MembershipRow): Membership {
  return {
    userId: userIds.fromUuid(row.userId),
    teamId: teamIds.fromUuid(row.teamId),
    role: row.role,
    isDefault: row.isDefault,
    createdAt: row.createdAt,
  };
}

const key = (userId: UserId, teamId: TeamId) =>
  and(eq(usersTeams.userId, userIds.toUuid(userId)), eq(usersTeams.teamId, teamIds.toUuid(teamId)));

export function createUsersTeamsQueries(db: Executor) {
  return {
    /** The membership, only while the team is live: a deleted team has no members. */
    async get(userId: UserId, teamId: TeamId): Promise<Membership | null> {
      const [row] = await db
        .select({ m: usersTeams })
        .from(usersTeams)
        .innerJoin(teams, eq(teams.id, usersTeams.teamId))
        .where(and(key(userId, teamId), isNull(teams.deletedAt)));
      return row ? toMembership(row.m) : null;
    },

    /** Live teams of a user, the default one first, then oldest first. */
    async listForUser(userId: UserId): Promise<TeamOfUser[]> {
      const rows = await db
        .select({ m: usersTeams, t: teams })
        .from(usersTeams)
        .innerJoin(teams, eq(teams.id, usersTeams.teamId))
        .where(and(eq(usersTeams.userId, userIds.toUuid(userId)), isNull(teams.deletedAt)))
        .orderBy(desc(usersTeams.isDefault), asc(usersTeams.createdAt), asc(teams.id));
      return rows.map((r) => ({ team: toTeam(r.t), role: r.m.role, isDefault: r.m.isDefault }));
    },

    async listForTeam(teamId: TeamId): Promise<MemberOfTeam[]> {
      const rows = await db
        .select({ m: usersTeams, u: users })
        .from(usersTeams)
        .innerJoin(users, eq(users.id, usersTeams.userId))
        .where(eq(usersTeams.teamId, teamIds.toUuid(teamId)))
        .orderBy(asc(usersTeams.createdAt), asc(users.email));
      return rows.map((r) => ({ user: toUser(r.u), role: r.m.role, joinedAt: r.m.createdAt }));
    },

    async getMember(teamId: TeamId, userId: UserId): Promise<MemberOfTeam | null> {
      const [row] = await db
        .select({ m: usersTeams, u: users })
        .from(usersTeams)
        .innerJoin(users, eq(users.id, usersTeams.userId))
        .where(key(userId, teamId));
      return row ? { user: toUser(row.u), role: row.m.role, joinedAt: row.m.createdAt } : null;
    },

    /** Returns null when the user is already a member. */
    async insert(values: {
      userId: UserId;
      teamId: TeamId;
      role: TeamRole;
      isDefault?: boolean;
    }): Promise<Membership | null> {
      const [row] = await db
        .insert(usersTeams)
        .values({
          userId: userIds.toUuid(values.userId),
          teamId: teamIds.toUuid(values.teamId),
          role: values.role,
          isDefault: values.isDefault ?? false,
        })
        .onConflictDoNothing()
        .returning();
      return row ? toMembership(row) : null;
    },

    async updateRole(userId: UserId, teamId: TeamId, role: TeamRole): Promise<Membership | null> {
      const [row] = await db
        .update(usersTeams)
        .set({ role })
        .where(key(userId, teamId))
        .returning();
      return row ? toMembership(row) : null;
    },

    async delete(userId: UserId, teamId: TeamId): Promise<boolean> {
      const rows = await db
        .delete(usersTeams)
        .where(key(userId, teamId))
        .returning({ userId: usersTeams.userId });
      return rows.length > 0;
    },

    async countOwners(teamId: TeamId): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(usersTeams)
        .where(and(eq(usersTeams.teamId, teamIds.toUuid(teamId)), eq(usersTeams.role, "owner")));
      return row?.n ?? 0;
    },
  };
}

export type UsersTeamsQueries = ReturnType<typeof createUsersTeamsQueries>;
