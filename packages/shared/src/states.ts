/** Every state a sandbox can be in; the DB column, API schemas and SDK types derive from this. */
export const SANDBOX_STATES = [
  "pending",
  "starting",
  "running",
  "pausing",
  "paused",
  "resuming",
  "stopping",
  "stopped",
  "error",
  "missing",
] as const;
export type SandboxState = (typeof SANDBOX_STATES)[number];

/** Allowed transitions; anything else is a bug or a race that a conditional write must refuse. */
export const SANDBOX_TRANSITIONS: Record<SandboxState, readonly SandboxState[]> = {
  pending: ["starting", "stopping", "error"],
  starting: ["running", "stopping", "error"],
  running: ["pausing", "stopping", "error", "missing"],
  pausing: ["paused", "running", "stopping", "error"],
  paused: ["resuming", "stopping", "error"],
  resuming: ["running", "paused", "stopping", "error"],
  stopping: ["stopped", "error"],
  stopped: [],
  error: ["stopping", "stopped"],
  missing: ["running", "paused", "stopping", "stopped"],
};

export function canTransition(from: SandboxState, to: SandboxState): boolean {
  return SANDBOX_TRANSITIONS[from].includes(to);
}

export function isSandboxState(value: string): value is SandboxState {
  return (SANDBOX_STATES as readonly string[]).includes(value);
}
