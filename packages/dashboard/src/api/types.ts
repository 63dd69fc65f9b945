import type { ErrorCode, SandboxState, TeamRole } from "@wrenn/shared";

/*
 * The control plane's JSON shapes, as packages/control-plane/src/api/<resource>/schemas.ts
 * define them. Hand-written because the dashboard cannot import server code into a browser
 * bundle; only the vocabulary (states, roles, error codes) comes from @wrenn/shared, as types.
 */

export type { ErrorCode, SandboxState, TeamRole };

export interface ErrorBody {
  code: number;
  message: string;
  error_code: ErrorCode;
}

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface Team {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
  role: TeamRole | null;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
  team: Team | null;
}

export interface Me {
  user: User;
  teams: Team[];
  currentTeamId: string | null;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
  joinedAt: string;
}

export interface ApiKey {
  id: string;
  teamId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  createdBy: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret: in the create answer only. */
  key: string;
}

export interface Sandbox {
  id: string;
  teamId: string;
  templateId: string | null;
  hostId: string | null;
  createdBy: string | null;
  state: SandboxState;
  stateReason: string | null;
  vcpus: number;
  memoryMb: number;
  diskSizeMb: number;
  timeoutMs: number;
  metadata: Record<string, string>;
  autoPause: boolean;
  autoResume: boolean;
  allowInternetAccess: boolean;
  createdAt: string;
  startedAt: string | null;
  endAt: string | null;
  updatedAt: string;
}

export interface SandboxList {
  sandboxes: Sandbox[];
  nextCursor: string | null;
}

export interface CreateSandboxInput {
  templateId?: string;
  vcpus?: number;
  memoryMb?: number;
  timeoutMs?: number;
  autoPause?: boolean;
  envVars?: Record<string, string>;
  metadata?: Record<string, string>;
}

export interface Template {
  id: string;
  teamId: string;
  name: string;
  type: "base" | "snapshot";
  isPlatform: boolean;
  vcpus: number | null;
  memoryMb: number | null;
  sourceSandboxId: string | null;
  sizeBytes: number | null;
  createdBy: string | null;
  createdAt: string;
}

export interface MetricSample {
  timestamp: string;
  cpuCount: number;
  cpuUsedPct: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  memoryCacheBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

export interface FileEntry {
  name: string;
  path: string;
  type: "file" | "dir" | "symlink";
  sizeBytes: number;
  mode: number;
  owner: string;
  modifiedAt: string | null;
}

export interface ProcessInfo {
  pid: number;
  cmd: string;
  args: string[];
  cwd: string;
  tag: string;
}
