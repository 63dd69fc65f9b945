import { timingSafeEqual } from "node:crypto";

/**
 * What /init configures. One mutable object, owned by createEnvd and passed to the
 * services that read it; nothing else writes it.
 */
export interface EnvdState {
  accessToken: string | undefined;
  defaultUser: string;
  defaultWorkdir: string | undefined;
  /** Sandbox-wide env vars from /init; request envs override them. */
  envVars: Record<string, string>;
}

export function createState(defaultUser: string): EnvdState {
  return { accessToken: undefined, defaultUser, defaultWorkdir: undefined, envVars: {} };
}

/** Constant-time comparison; false when no token is set or none was given. */
export function tokenMatches(state: EnvdState, given: string | undefined): boolean {
  if (state.accessToken === undefined || given === undefined) return false;
  const a = Buffer.from(state.accessToken);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
