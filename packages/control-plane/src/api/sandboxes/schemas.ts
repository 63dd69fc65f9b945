import { SANDBOX_STATES } from "@wrenn/shared";
import { type Static, Type } from "typebox";
import type { Sandbox } from "../../db/queries/sandboxes.js";
import { SANDBOX_LIMITS, type SandboxAccess } from "../../services/sandboxes.js";
import {
  HostIdSchema,
  NullableTimestamp,
  SandboxIdSchema,
  TeamIdSchema,
  TemplateIdSchema,
  Timestamp,
  UserIdSchema,
} from "../schemas.js";

const L = SANDBOX_LIMITS;

export const SandboxStateSchema = Type.Enum(SANDBOX_STATES, {
  description:
    "pending → starting → running ⇄ pausing → paused → resuming → running; stopping → stopped; error; missing (host unreachable)",
});

const StringMap = (description: string) =>
  Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 4096 }), {
    description,
    maxProperties: 64,
  });
const Cidrs = (description: string) =>
  Type.Array(Type.String({ maxLength: 64 }), { maxItems: 256, description });

export const CreateSandboxBody = Type.Object(
  {
    templateId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: "A template id (`tpl-…`) or name, the team's or the platform's",
        default: "base",
      }),
    ),
    vcpus: Type.Optional(
      Type.Integer({ minimum: 1, maximum: L.maxVcpus, default: L.defaultVcpus }),
    ),
    memoryMb: Type.Optional(
      Type.Integer({ minimum: L.minMemoryMb, maximum: L.maxMemoryMb, default: L.defaultMemoryMb }),
    ),
    diskSizeMb: Type.Optional(
      Type.Integer({
        minimum: L.minDiskSizeMb,
        maximum: L.maxDiskSizeMb,
        default: L.defaultDiskSizeMb,
      }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: L.minTimeoutMs,
        maximum: L.maxTimeoutMs,
        default: L.defaultTimeoutMs,
        description: "The sandbox is killed (or paused, with autoPause) this long after it starts",
      }),
    ),
    metadata: Type.Optional(StringMap("Free-form labels; filter on them in the list")),
    envVars: Type.Optional(StringMap("Default environment of every process; stored encrypted")),
    autoPause: Type.Optional(Type.Boolean({ description: "Pause instead of kill at the timeout" })),
    autoResume: Type.Optional(Type.Boolean()),
    allowInternetAccess: Type.Optional(Type.Boolean({ default: true })),
    allowOut: Type.Optional(Cidrs("CIDR blocks always reachable (wins over denyOut)")),
    denyOut: Type.Optional(Cidrs("CIDR blocks never reachable")),
    allowPublicTraffic: Type.Optional(
      Type.Boolean({
        default: true,
        description: "false: user ports need the trafficAccessToken (e2b-traffic-access-token)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const SandboxView = Type.Object({
  id: SandboxIdSchema,
  teamId: TeamIdSchema,
  templateId: Type.Union([TemplateIdSchema, Type.Null()], {
    description: "null once its snapshot template was deleted",
  }),
  hostId: Type.Union([HostIdSchema, Type.Null()]),
  createdBy: Type.Union([UserIdSchema, Type.Null()]),
  state: SandboxStateSchema,
  stateReason: Type.Union([Type.String(), Type.Null()], {
    description: "Why it is in this state (an error, what stopped it, a refused pause)",
  }),
  vcpus: Type.Integer(),
  memoryMb: Type.Integer(),
  diskSizeMb: Type.Integer(),
  timeoutMs: Type.Integer(),
  metadata: Type.Record(Type.String(), Type.String()),
  autoPause: Type.Boolean(),
  autoResume: Type.Boolean(),
  allowInternetAccess: Type.Boolean(),
  allowOut: Type.Array(Type.String()),
  denyOut: Type.Array(Type.String()),
  allowPublicTraffic: Type.Boolean(),
  createdAt: Timestamp,
  startedAt: NullableTimestamp,
  endAt: Type.Union([Timestamp, Type.Null()], {
    description: "When the host kills (or pauses) it, or when it stopped",
  }),
  updatedAt: Timestamp,
});
export type SandboxView = Static<typeof SandboxView>;

/** The view plus the raw tokens: in the create (and token-rotating resume) answer only. */
export const SandboxWithTokensView = Type.Object({
  ...SandboxView.properties,
  envdAccessToken: Type.Union([Type.String(), Type.Null()], {
    description: "X-Access-Token for envd in the sandbox; shown here only",
  }),
  trafficAccessToken: Type.Union([Type.String(), Type.Null()], {
    description: "e2b-traffic-access-token for user ports when allowPublicTraffic is false",
  }),
});
export type SandboxWithTokensView = Static<typeof SandboxWithTokensView>;

export function toSandboxView(s: Sandbox): SandboxView {
  return {
    id: s.id,
    teamId: s.teamId,
    templateId: s.templateId,
    hostId: s.hostId,
    createdBy: s.createdBy,
    state: s.state,
    stateReason: s.statusReason,
    vcpus: s.vcpus,
    memoryMb: s.memoryMb,
    diskSizeMb: s.diskSizeMb,
    timeoutMs: s.timeoutMs,
    metadata: { ...s.metadata },
    autoPause: s.autoPause,
    autoResume: s.autoResume,
    allowInternetAccess: s.allowInternetAccess,
    allowOut: [...s.egress.allowOut],
    denyOut: [...s.egress.denyOut],
    allowPublicTraffic: s.trafficAccessTokenHash === null,
    createdAt: s.createdAt.toISOString(),
    startedAt: s.startedAt?.toISOString() ?? null,
    endAt: s.endAt?.toISOString() ?? null,
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function toSandboxWithTokens(s: Sandbox, access: SandboxAccess): SandboxWithTokensView {
  return { ...toSandboxView(s), ...access };
}

export const SandboxParams = Type.Object({ id: SandboxIdSchema }, { additionalProperties: false });

export const ListSandboxesQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "States to list, repeated or comma-separated (`status=running,paused`); default: all but stopped",
      }),
    ),
    metadata: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "`key=value`, repeated for several pairs (all must match); split at the first `=`",
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: "nextCursor of the previous page" }),
    ),
  },
  { additionalProperties: false },
);

export const SandboxList = Type.Object({
  sandboxes: Type.Array(SandboxView),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: "Pass as `cursor` for the next page; null on the last page",
  }),
});

export const PauseBody = Type.Object(
  {
    memory: Type.Optional(
      Type.Boolean({
        default: true,
        description: "false keeps only the files; resume then starts the processes afresh",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ResumeBody = Type.Object(
  {
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: L.minTimeoutMs,
        maximum: L.maxTimeoutMs,
        description: "New timeout",
      }),
    ),
    rotateTokens: Type.Optional(
      Type.Boolean({
        default: false,
        description: "New envd and traffic tokens (in the answer); the old ones stop working",
      }),
    ),
  },
  { additionalProperties: false },
);

export const TimeoutBody = Type.Object(
  {
    timeoutMs: Type.Integer({
      minimum: L.minTimeoutMs,
      maximum: L.maxTimeoutMs,
      description: "The sandbox now ends this long from now (replacing the previous end)",
    }),
  },
  { additionalProperties: false },
);

export const MetricsQuery = Type.Object(
  { fresh: Type.Optional(Type.Boolean({ description: "Take a sample now" })) },
  { additionalProperties: false },
);

export const MetricSampleView = Type.Object({
  timestamp: Timestamp,
  cpuCount: Type.Integer(),
  cpuUsedPct: Type.Number(),
  memoryUsedBytes: Type.Integer(),
  memoryTotalBytes: Type.Integer(),
  memoryCacheBytes: Type.Integer(),
  diskUsedBytes: Type.Integer(),
  diskTotalBytes: Type.Integer(),
  netRxBytes: Type.Integer(),
  netTxBytes: Type.Integer(),
});

export const MetricsView = Type.Object({ samples: Type.Array(MetricSampleView) });
