import type { SandboxId, Uuid } from "@wrenn/shared";
import type { SlotLease } from "./deps.js";

export type AgentSandboxStatus =
  | "starting"
  | "running"
  | "pausing"
  | "paused"
  | "resuming"
  | "stopping";

export interface NetworkPolicy {
  internetAccess: boolean;
  allowCidrs: string[];
  denyCidrs: string[];
}

/** One sandbox as the agent knows it; persisted (sandbox.json, mode 0600) to survive restarts. */
export interface SandboxRecord {
  id: SandboxId;
  teamId: Uuid;
  templateId: string;
  /** The template's owner team (the platform team for `base`). */
  templateTeamId: Uuid;
  status: AgentSandboxStatus;
  vcpus: number;
  memoryMiB: number;
  diskMiB: number;
  startedAt: Date;
  endAt: Date;
  autoPause: boolean;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  network: NetworkPolicy;
  /** envd's token; the agent needs it in clear to call envd, so it lives only in a root-only file. */
  envdAccessToken: string;
  /** The network slot while running; its sandboxAddress is how the host reaches envd and ports. */
  slot: SlotLease | undefined;
  pid: number | undefined;
  /**
   * While paused with its memory: the name of the image (layout.checkpointImageDir) that
   * resume restores. Undefined while running, and after a filesystem-only pause.
   */
  checkpoint: string | undefined;
}

export function serializeRecord(record: SandboxRecord): string {
  return JSON.stringify(record, null, 2);
}

export function parseRecord(text: string): SandboxRecord {
  const raw = JSON.parse(text) as SandboxRecord & { startedAt: string; endAt: string };
  return {
    ...raw,
    checkpoint: raw.checkpoint ?? undefined,
    startedAt: new Date(raw.startedAt),
    endAt: new Date(raw.endAt),
  };
}
