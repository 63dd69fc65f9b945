import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type SandboxInfo, SandboxStatus } from "@wrenn/proto/hostagent/v1";
import type { SandboxState } from "@wrenn/shared";

/** The agent's view of a sandbox in control-plane terms; null for a status it did not set. */
export function stateOfAgentSandbox(status: SandboxStatus): SandboxState | null {
  switch (status) {
    case SandboxStatus.STARTING:
      return "starting";
    case SandboxStatus.RUNNING:
      return "running";
    case SandboxStatus.PAUSING:
      return "pausing";
    case SandboxStatus.PAUSED:
      return "paused";
    case SandboxStatus.RESUMING:
      return "resuming";
    case SandboxStatus.STOPPING:
      return "stopping";
    default:
      return null;
  }
}

/** The times the agent keeps for a sandbox; it owns the end time (its reaper acts on it). */
export function timesOf(info: SandboxInfo | undefined): { startedAt?: Date; endAt?: Date } {
  return {
    ...(info?.startedAt && { startedAt: timestampDate(info.startedAt) }),
    ...(info?.endAt && { endAt: timestampDate(info.endAt) }),
  };
}
