import {
  ForbiddenError,
  hasRoleAtLeast,
  NotFoundError,
  type TeamRole,
  type UserId,
} from "@wrenn/shared";
import type { Principal } from "../auth/principal.js";
import type { Queries } from "../db/queries/index.js";
import type { Membership } from "../db/queries/users-teams.js";

/** A principal that is a user (not an API key); keys cannot manage teams, members or keys. */
export function requireUser(actor: Principal, action: string): UserId {
  if (actor.via !== "jwt")
    throw new ForbiddenError(`an API key cannot ${action}; sign in as a user`);
  return actor.userId;
}

/**
 * Reads the actor's membership now (inside the caller's transaction when `q` is one), so a
 * role removed a second ago no longer counts, whatever the principal or the JWT say.
 */
export async function requireRole(
  q: Queries,
  actor: Principal,
  minimum: TeamRole,
  action: string,
): Promise<Membership> {
  const userId = requireUser(actor, action);
  const membership = await q.usersTeams.get(userId, actor.teamId);
  if (!membership) throw new NotFoundError("team", actor.teamId);
  if (!hasRoleAtLeast(membership.role, minimum)) {
    throw new ForbiddenError(`only a team ${minimum} or above can ${action}`);
  }
  return membership;
}
