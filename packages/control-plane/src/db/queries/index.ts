import type { Executor } from "../client.js";
import { createAuditLogQueries } from "./audit-logs.js";
import { createHostQueries } from "./hosts.js";
import { createSandboxQueries } from "./sandboxes.js";
import { createTeamApiKeyQueries } from "./team-api-keys.js";
import { createTeamQueries } from "./teams.js";
import { createTemplateQueries } from "./templates.js";
import { createUserQueries } from "./users.js";
import { createUsersTeamsQueries } from "./users-teams.js";

/** Every table's query module, bound to one executor (the pool, or one transaction). */
export function createQueries(db: Executor) {
  return {
    users: createUserQueries(db),
    teams: createTeamQueries(db),
    usersTeams: createUsersTeamsQueries(db),
    apiKeys: createTeamApiKeyQueries(db),
    templates: createTemplateQueries(db),
    sandboxes: createSandboxQueries(db),
    hosts: createHostQueries(db),
    auditLogs: createAuditLogQueries(db),
  };
}

export type Queries = ReturnType<typeof createQueries>;
