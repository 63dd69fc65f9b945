import { type Static, Type } from "typebox";
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS } from "../../auth/passwords.js";
import type { User } from "../../db/queries/users.js";
import type { Me, SignedIn } from "../../services/accounts.js";
import { TeamIdSchema, Timestamp, UserIdSchema } from "../schemas.js";
import { TeamView, toTeamView } from "../teams/schemas.js";

export const UserView = Type.Object({
  id: UserIdSchema,
  email: Type.String(),
  name: Type.String(),
  createdAt: Timestamp,
});
export type UserView = Static<typeof UserView>;

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    createdAt: user.createdAt.toISOString(),
  };
}

const Email = Type.String({ format: "email", maxLength: 254 });
const Password = Type.String({ minLength: PASSWORD_MIN_CHARS, maxLength: PASSWORD_MAX_CHARS });

export const SignupBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  // No length rules on login: a wrong password is a 401, whatever its length (up to the max).
  {
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: PASSWORD_MAX_CHARS }),
  },
  { additionalProperties: false },
);

export const SwitchTeamBody = Type.Object(
  { teamId: TeamIdSchema },
  { additionalProperties: false },
);

export const SessionView = Type.Object({
  token: Type.String({ description: "Send as Authorization: Bearer <token>" }),
  expiresAt: Timestamp,
  user: UserView,
  team: Type.Union([TeamView, Type.Null()], { description: "The team the token acts in" }),
});
export type SessionView = Static<typeof SessionView>;

export function toSessionView(signedIn: SignedIn): SessionView {
  return {
    token: signedIn.token,
    expiresAt: signedIn.expiresAt.toISOString(),
    user: toUserView(signedIn.user),
    team: signedIn.team ? toTeamView(signedIn.team, signedIn.role) : null,
  };
}

export const MeView = Type.Object({
  user: UserView,
  teams: Type.Array(TeamView),
  currentTeamId: Type.Union([TeamIdSchema, Type.Null()]),
});
export type MeView = Static<typeof MeView>;

export function toMeView(me: Me): MeView {
  return {
    user: toUserView(me.user),
    teams: me.teams.map((t) => toTeamView(t.team, t.role)),
    currentTeamId: me.currentTeamId,
  };
}
