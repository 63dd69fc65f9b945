import {
  ConflictError,
  NotFoundError,
  type TeamId,
  type TeamRole,
  UnauthenticatedError,
} from "@wrenn/shared";
import type { Logger } from "pino";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import type { Session } from "../auth/principal.js";
import type { IssuedToken, SessionTokens } from "../auth/session-tokens.js";
import type { Database } from "../db/client.js";
import type { Team } from "../db/queries/teams.js";
import type { User } from "../db/queries/users.js";
import type { TeamOfUser } from "../db/queries/users-teams.js";
import { insertTeam } from "./teams.js";

export interface SignedIn extends IssuedToken {
  readonly user: User;
  /** The team the token is for; null for a user who belongs to no team any more. */
  readonly team: Team | null;
  readonly role: TeamRole | null;
}

export interface Me {
  readonly user: User;
  readonly teams: readonly TeamOfUser[];
  /** The token's team while the user still belongs to it. */
  readonly currentTeamId: TeamId | null;
}

/** Emails compare case-insensitively; stored lowercased so the unique index does the rest. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createAccountService(deps: { db: Database; tokens: SessionTokens; log: Logger }) {
  const { db, tokens, log } = deps;

  async function signIn(user: User, current: TeamOfUser | null): Promise<SignedIn> {
    const issued = await tokens.issue({
      userId: user.id,
      teamId: current?.team.id ?? null,
      role: current?.role ?? null,
    });
    return { ...issued, user, team: current?.team ?? null, role: current?.role ?? null };
  }

  return {
    /** A new user and their default team (owner), in one transaction. */
    async signup(input: { email: string; password: string; name?: string }): Promise<SignedIn> {
      const email = normalizeEmail(input.email);
      const conflict = () => new ConflictError("an account with this email already exists");
      // Checked first to skip the hashing; the insert below is what makes it race-free.
      if (await db.queries.users.getByEmail(email)) throw conflict();
      const passwordHash = await hashPassword(input.password);
      const name = input.name?.trim() ?? "";
      const { user, team } = await db.transaction(async (q) => {
        const user = await q.users.insert({ email, name, passwordHash });
        if (!user) throw conflict();
        const team = await insertTeam(q, `${name || email.split("@")[0]}'s team`);
        await q.usersTeams.insert({
          userId: user.id,
          teamId: team.id,
          role: "owner",
          isDefault: true,
        });
        await q.auditLogs.insert({
          teamId: team.id,
          actorUserId: user.id,
          actorKeyId: null,
          action: "user.signup",
          resourceType: "user",
          resourceId: user.id,
          data: {},
        });
        return { user, team };
      });
      log.info({ userId: user.id, teamId: team.id }, "user signed up");
      return signIn(user, { team, role: "owner", isDefault: true });
    },

    /** Lands in the default team, or the oldest team the user still belongs to. */
    async login(input: { email: string; password: string }): Promise<SignedIn> {
      const found = await db.queries.users.getByEmail(normalizeEmail(input.email));
      // Same message and same work (a decoy hash) whether the email or the password is wrong.
      if (!(await verifyPassword(found?.passwordHash ?? null, input.password)) || !found) {
        throw new UnauthenticatedError("wrong email or password");
      }
      const { passwordHash: _, ...user } = found;
      const [first] = await db.queries.usersTeams.listForUser(user.id);
      return signIn(user, first ?? null);
    },

    async me(session: Session): Promise<Me> {
      const user = await db.queries.users.get(session.userId);
      if (!user) throw new UnauthenticatedError("invalid session token");
      const teams = await db.queries.usersTeams.listForUser(user.id);
      const current = teams.find((t) => t.team.id === session.teamId);
      return { user, teams, currentTeamId: current?.team.id ?? null };
    },

    /** A new token for `teamId`, after checking in the database that the user belongs to it. */
    async switchTeam(session: Session, teamId: TeamId): Promise<SignedIn> {
      const user = await db.queries.users.get(session.userId);
      if (!user) throw new UnauthenticatedError("invalid session token");
      const teams = await db.queries.usersTeams.listForUser(user.id);
      const target = teams.find((t) => t.team.id === teamId);
      if (!target) throw new NotFoundError("team", teamId);
      return signIn(user, target);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
