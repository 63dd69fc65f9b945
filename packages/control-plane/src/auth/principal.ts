import type { ApiKeyId, TeamId, TeamRole, UserId } from "@wrenn/shared";

/**
 * Who is calling, on behalf of which team. Built by the auth hook from the database (the role is
 * the one read for this request, never the hint in the JWT); services take it as the actor.
 */
export type Principal =
  | {
      readonly via: "jwt";
      readonly userId: UserId;
      readonly teamId: TeamId;
      readonly role: TeamRole;
      readonly keyId?: undefined;
    }
  | {
      readonly via: "api_key";
      readonly teamId: TeamId;
      readonly keyId: ApiKeyId;
      readonly userId?: undefined;
      readonly role?: undefined;
    };

/** A signed-in user, for routes that are about the user rather than one team. */
export interface Session {
  readonly userId: UserId;
  /** The team the token was issued for: a hint only, membership is checked where it matters. */
  readonly teamId: TeamId | null;
}
