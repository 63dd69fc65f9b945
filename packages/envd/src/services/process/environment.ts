import type { User } from "../../users.js";

/** What envd itself would have on PATH; children never inherit envd's own environment. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface EnvironmentSources {
  user: User;
  /** Sandbox-wide variables from /init. */
  sandbox: Readonly<Record<string, string>>;
  /** The request's own `envs`; they win over everything else. */
  requested: Readonly<Record<string, string>>;
}

/**
 * infra's layering: a clean base for the user, then the sandbox defaults (E2B_SANDBOX=true plus
 * /init's envVars), then the request. envd's own variables (its token, its config) never leak.
 */
export function buildEnvironment(sources: EnvironmentSources): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    HOME: sources.user.home,
    USER: sources.user.name,
    LOGNAME: sources.user.name,
    E2B_SANDBOX: "true",
    ...sources.sandbox,
    ...sources.requested,
  };
}
