import type { TeamRole } from "@wrenn/shared";
import { type Static, Type } from "typebox";
import type { Team } from "../../db/queries/teams.js";
import { DisplayName, TeamIdSchema, TeamRoleSchema, Timestamp } from "../schemas.js";

export const TeamView = Type.Object({
  id: TeamIdSchema,
  slug: Type.String({
    pattern: "^[0-9a-f]{12}$",
    description: "Immutable; safe in URLs and host names",
  }),
  name: Type.String(),
  createdAt: Timestamp,
  role: Type.Union([TeamRoleSchema, Type.Null()], {
    description: "The caller's role; null for an API key",
  }),
});
export type TeamView = Static<typeof TeamView>;

export function toTeamView(team: Team, role: TeamRole | null): TeamView {
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    createdAt: team.createdAt.toISOString(),
    role,
  };
}

export const TeamParams = Type.Object({ teamId: TeamIdSchema }, { additionalProperties: false });

export const CreateTeamBody = Type.Object({ name: DisplayName }, { additionalProperties: false });
export const RenameTeamBody = Type.Object({ name: DisplayName }, { additionalProperties: false });

export const TeamList = Type.Array(TeamView);
