/** Roles a user can hold in a team, weakest first; order matters for `hasRoleAtLeast`. */
export const TEAM_ROLES = ["member", "admin", "owner"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export function isTeamRole(value: string): value is TeamRole {
  return (TEAM_ROLES as readonly string[]).includes(value);
}

export function hasRoleAtLeast(role: TeamRole, minimum: TeamRole): boolean {
  return TEAM_ROLES.indexOf(role) >= TEAM_ROLES.indexOf(minimum);
}
