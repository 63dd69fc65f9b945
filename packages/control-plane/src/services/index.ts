import type { Logger } from "pino";
import type { SessionTokens } from "../auth/session-tokens.js";
import type { Database } from "../db/client.js";
import { createAccountService } from "./accounts.js";
import { createKeyService } from "./keys.js";
import { createMemberService } from "./members.js";
import type { SandboxServiceDeps } from "./sandbox-context.js";
import { createSandboxService } from "./sandboxes.js";
import type { TeamHooks } from "./team-hooks.js";
import { createTeamService } from "./teams.js";

export interface ServiceDeps {
  readonly db: Database;
  readonly tokens: SessionTokens;
  readonly teamHooks: TeamHooks;
  readonly log: Logger;
  /** What the sandbox, snapshot and template services need beyond the above. */
  readonly sandboxes: Omit<SandboxServiceDeps, "db" | "log">;
}

/** The rules of the control plane; the native and E2B routes are adapters over these. */
export function createServices(deps: ServiceDeps) {
  const child = (component: string) => deps.log.child({ component });
  const { sandboxes, snapshots, templates } = createSandboxService({
    ...deps.sandboxes,
    db: deps.db,
    log: child("sandboxes"),
    teamHooks: deps.teamHooks,
  });
  return {
    accounts: createAccountService({ db: deps.db, tokens: deps.tokens, log: child("accounts") }),
    teams: createTeamService({ db: deps.db, hooks: deps.teamHooks, log: child("teams") }),
    members: createMemberService({ db: deps.db, log: child("members") }),
    keys: createKeyService({ db: deps.db, log: child("keys") }),
    sandboxes,
    snapshots,
    templates,
  };
}

export type Services = ReturnType<typeof createServices>;
