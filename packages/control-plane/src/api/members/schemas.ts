import { type Static, Type } from "typebox";
import type { MemberOfTeam } from "../../db/queries/users-teams.js";
import { TeamIdSchema, TeamRoleSchema, Timestamp, UserIdSchema } from "../schemas.js";

export const MemberView = Type.Object({
  userId: UserIdSchema,
  email: Type.String(),
  name: Type.String(),
  role: TeamRoleSchema,
  joinedAt: Timestamp,
});
export type MemberView = Static<typeof MemberView>;

export function toMemberView(member: MemberOfTeam): MemberView {
  return {
    userId: member.user.id,
    email: member.user.email,
    name: member.user.name,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
  };
}

export const MemberList = Type.Array(MemberView);

export const MemberParams = Type.Object(
  { teamId: TeamIdSchema, userId: UserIdSchema },
  { additionalProperties: false },
);

export const AddMemberBody = Type.Object(
  {
    email: Type.String({ format: "email", maxLength: 254, description: "An existing account" }),
    role: Type.Optional({ ...TeamRoleSchema, default: "member" }),
  },
  { additionalProperties: false },
);

export const ChangeRoleBody = Type.Object(
  { role: TeamRoleSchema },
  { additionalProperties: false },
);
