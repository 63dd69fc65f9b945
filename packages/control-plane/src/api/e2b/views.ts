import type { SandboxState, TeamId, TemplateId } from "@wrenn/shared";
import type { Sandbox } from "../../db/queries/sandboxes.js";
import type { MetricSample, SandboxAccess } from "../../services/sandboxes.js";
import type { E2bDeps } from "./deps.js";
import type { E2bSandbox, ListedSandbox, SandboxDetail, SandboxMetric } from "./schemas.js";

/** Reported to the SDK, which turns features on by it; envd implements 0.6.13's API. */
export const ENVD_VERSION = "0.6.13";
/** Deprecated by E2B but required in its schemas; E2B itself sends a constant. */
export const CLIENT_ID = "wrenn";

export type E2bState = "running" | "paused";

/**
 * E2B knows two states. Transient ones show as where they are heading or coming from, so a
 * sandbox never disappears from a list mid-operation; a stopping, stopped or failed sandbox
 * no longer exists for E2B clients (their calls get 404, as infra answers for killed ones).
 */
export const E2B_STATE: Record<SandboxState, E2bState | null> = {
  pending: "running",
  starting: "running",
  running: "running",
  resuming: "running",
  missing: "running",
  pausing: "paused",
  paused: "paused",
  stopping: null,
  stopped: null,
  error: null,
};

export function statesFor(e2b: readonly E2bState[]): SandboxState[] {
  return Object.entries(E2B_STATE)
    .filter(([, shown]) => shown !== null && e2b.includes(shown))
    .map(([state]) => state as SandboxState);
}

/** Template ids → names (E2B's `alias`), for the team's and the platform's templates. */
export type TemplateNames = ReadonlyMap<TemplateId, string>;

export async function templateNames(deps: E2bDeps, teamId: TeamId): Promise<TemplateNames> {
  return new Map((await deps.templates.list(teamId)).map((t) => [t.id, t.name]));
}

function templateFields(sandbox: Sandbox, names: TemplateNames) {
  // A snapshot template deleted after its sandbox stopped leaves no id; live ones keep theirs.
  if (!sandbox.templateId) return { templateID: "deleted" };
  const alias = names.get(sandbox.templateId);
  return { templateID: sandbox.templateId, ...(alias !== undefined && { alias }) };
}

/**
 * The answer of create, connect and resume. The SDK reads only the id, domain, envd version and
 * tokens from it, so the template's name (`alias`) is given only when the caller named it, which
 * spares these hot paths a lookup.
 */
export function toE2bSandbox(
  sandbox: Sandbox,
  access: SandboxAccess,
  context: { alias?: string; domain: string | null },
): E2bSandbox {
  return {
    sandboxID: sandbox.id,
    templateID: sandbox.templateId ?? "deleted",
    ...(context.alias !== undefined && { alias: context.alias }),
    clientID: CLIENT_ID,
    envdVersion: ENVD_VERSION,
    ...(access.envdAccessToken !== null && { envdAccessToken: access.envdAccessToken }),
    trafficAccessToken: access.trafficAccessToken,
    domain: context.domain,
  };
}

function times(sandbox: Sandbox) {
  const startedAt = sandbox.startedAt ?? sandbox.createdAt;
  const endAt = sandbox.endAt ?? new Date(startedAt.getTime() + sandbox.timeoutMs);
  return { startedAt: startedAt.toISOString(), endAt: endAt.toISOString() };
}

export function toListedSandbox(sandbox: Sandbox, names: TemplateNames): ListedSandbox {
  return {
    sandboxID: sandbox.id,
    ...templateFields(sandbox, names),
    clientID: CLIENT_ID,
    cpuCount: sandbox.vcpus,
    memoryMB: sandbox.memoryMb,
    diskSizeMB: sandbox.diskSizeMb,
    ...times(sandbox),
    // Only called for sandboxes that exist for E2B (see E2B_STATE).
    state: E2B_STATE[sandbox.state] ?? "running",
    envdVersion: ENVD_VERSION,
    metadata: { ...sandbox.metadata },
  };
}

export function toSandboxDetail(
  sandbox: Sandbox,
  access: SandboxAccess,
  context: { names: TemplateNames; domain: string | null },
): SandboxDetail {
  const listed = toListedSandbox(sandbox, context.names);
  return {
    ...listed,
    ...(access.envdAccessToken !== null && { envdAccessToken: access.envdAccessToken }),
    // Infra answers null for a paused sandbox: its host names lead nowhere until it resumes.
    domain: listed.state === "paused" ? null : context.domain,
    allowInternetAccess: sandbox.allowInternetAccess,
    network: {
      allowOut: [...sandbox.egress.allowOut],
      denyOut: [...sandbox.egress.denyOut],
      allowPublicTraffic: sandbox.trafficAccessTokenHash === null,
    },
    lifecycle: { onTimeout: sandbox.autoPause ? "pause" : "kill", autoResume: sandbox.autoResume },
    volumeMounts: [],
  };
}

export function toSandboxMetric(sample: MetricSample): SandboxMetric {
  return {
    timestamp: sample.timestamp.toISOString(),
    timestampUnix: Math.floor(sample.timestamp.getTime() / 1000),
    cpuCount: sample.cpuCount,
    cpuUsedPct: sample.cpuUsedPct,
    memUsed: sample.memoryUsedBytes,
    memTotal: sample.memoryTotalBytes,
    memCache: sample.memoryCacheBytes,
    diskUsed: sample.diskUsedBytes,
    diskTotal: sample.diskTotalBytes,
  };
}
