import type { SandboxState } from "../../api/types.js";

/** States a sandbox passes through on its own: while any is shown, the list polls faster. */
const TRANSIENT: ReadonlySet<SandboxState> = new Set([
  "pending",
  "starting",
  "pausing",
  "resuming",
  "stopping",
]);

export function isTransient(state: SandboxState): boolean {
  return TRANSIENT.has(state);
}

export function canPause(state: SandboxState): boolean {
  return state === "running";
}

export function canResume(state: SandboxState): boolean {
  return state === "paused";
}

export function canKill(state: SandboxState): boolean {
  return state !== "stopped" && state !== "stopping";
}

/** Terminal, files, processes and metrics need envd, which answers only while running. */
export function isLive(state: SandboxState): boolean {
  return state === "running";
}
