import {
  isTeamRole,
  type TeamId,
  type TeamRole,
  teamIds,
  UnauthenticatedError,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { errors, jwtVerify, SignJWT } from "jose";

const ISSUER = "wrenn";
const AUDIENCE = "wrenn-api";
const ALGORITHM = "HS256";

export interface SessionClaims {
  readonly userId: UserId;
  readonly teamId: TeamId | null;
  /** What the role was when the token was issued: display only, never used to authorise. */
  readonly role: TeamRole | null;
  readonly expiresAt: Date;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface SessionTokens {
  issue(claims: {
    userId: UserId;
    teamId: TeamId | null;
    role: TeamRole | null;
  }): Promise<IssuedToken>;
  /** Throws UnauthenticatedError for a bad signature, a wrong issuer or an expired token. */
  verify(token: string): Promise<SessionClaims>;
}

export function createSessionTokens(deps: {
  secret: string;
  ttlMs: number;
  clock: () => Date;
}): SessionTokens {
  const key = new TextEncoder().encode(deps.secret);
  return {
    async issue({ userId, teamId, role }) {
      const now = deps.clock();
      const expiresAt = new Date(now.getTime() + deps.ttlMs);
      const token = await new SignJWT({ ...(teamId && { team: teamId }), ...(role && { role }) })
        .setProtectedHeader({ alg: ALGORITHM })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },

    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: deps.clock(),
        }));
      } catch (error) {
        if (error instanceof errors.JOSEError) {
          const reason =
            error instanceof errors.JWTExpired ? "session expired" : "invalid session token";
          throw new UnauthenticatedError(reason, { cause: error });
        }
        throw error;
      }
      return parseClaims(payload);
    },
  };
}

function parseClaims(payload: Record<string, unknown>): SessionClaims {
  const { sub, team, role, exp } = payload;
  if (typeof sub !== "string" || typeof exp !== "number") {
    throw new UnauthenticatedError("invalid session token");
  }
  try {
    return {
      userId: userIds.parse(sub),
      teamId: typeof team === "string" ? teamIds.parse(team) : null,
      role: typeof role === "string" && isTeamRole(role) ? role : null,
      expiresAt: new Date(exp * 1000),
    };
  } catch (error) {
    throw new UnauthenticatedError("invalid session token", { cause: error });
  }
}
