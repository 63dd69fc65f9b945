import {
  InvalidArgumentError,
  NotFoundError,
  type TeamId,
  UnauthenticatedError,
} from "@wrenn/shared";
import type { Queries } from "../db/queries/index.js";
import { hashApiKey, isWellFormedApiKey } from "./api-keys.js";
import type { Principal, Session } from "./principal.js";
import type { SessionTokens } from "./session-tokens.js";

// last_used_at is for humans ("used 3 minutes ago"): a minute of precision saves a write per request.
const KEY_TOUCH_INTERVAL_MS = 60_000;

/** Turns raw credentials into a Session or a Principal, reading the database every time. */
export interface Authenticator {
  /** A signed-in user; the user must still exist. */
  session(bearerToken: string): Promise<Session>;
  /**
   * A user acting in a team. The team is `teamId` when given (path or X-Team-Id), else the
   * token's; membership and role come from the database. Not a member → NotFoundError.
   */
  userInTeam(bearerToken: string, teamId: TeamId | null): Promise<Principal>;
  /** An API key acting in its team; asking for any other team → NotFoundError. */
  apiKey(secret: string, teamId: TeamId | null): Promise<Principal>;
}

export function createAuthenticator(deps: {
  queries: Queries;
  tokens: SessionTokens;
}): Authenticator {
  const { queries: q, tokens } = deps;

  async function session(bearerToken: string): Promise<Session> {
    const claims = await tokens.verify(bearerToken);
    // A deleted user's tokens stop working at once, not when they expire.
    if (!(await q.users.get(claims.userId)))
      throw new UnauthenticatedError("invalid session token");
    return { userId: claims.userId, teamId: claims.teamId };
  }

  return {
    session,

    async userInTeam(bearerToken, teamId) {
      const s = await session(bearerToken);
      const target = teamId ?? s.teamId;
      if (!target) {
        throw new InvalidArgumentError(
          "no team selected: send X-Team-Id or switch to a team first",
        );
      }
      const membership = await q.usersTeams.get(s.userId, target);
      if (!membership) throw new NotFoundError("team", target);
      return { via: "jwt", userId: s.userId, teamId: target, role: membership.role };
    },

    async apiKey(secret, teamId) {
      if (!isWellFormedApiKey(secret)) throw new UnauthenticatedError("invalid API key");
      const key = await q.apiKeys.getByHash(hashApiKey(secret));
      if (!key) throw new UnauthenticatedError("invalid API key");
      if (teamId && teamId !== key.teamId) throw new NotFoundError("team", teamId);
      // The row says when it was last touched: most requests need no write, not even a no-op one.
      const touchedAgo = key.lastUsedAt ? Date.now() - key.lastUsedAt.getTime() : Infinity;
      if (touchedAgo >= KEY_TOUCH_INTERVAL_MS) await q.apiKeys.touch(key.id, KEY_TOUCH_INTERVAL_MS);
      return { via: "api_key", teamId: key.teamId, keyId: key.id };
    },
  };
}
