import { type Static, Type } from "typebox";

/*
 * E2B's wire shapes (e2b@2.51 `components.schemas`), with E2B's exact field names: snake_case
 * `allow_internet_access`, `sandboxID`, `templateID`. Request bodies stay open to fields a newer
 * SDK may add (infra ignores unknown fields too), but every field we know is typed, so a wrong
 * type is a 400. Fields Wrenn cannot honour are refused by the route with a message (see
 * `unsupported` in create-sandbox.ts), never silently dropped.
 */

const StringMap = Type.Record(Type.String(), Type.String());
const Seconds = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const E2bSandboxParams = Type.Object({ sandboxID: Type.String({ maxLength: 200 }) });
export type E2bSandboxParams = Static<typeof E2bSandboxParams>;

export const NetworkConfig = Type.Object({
  allowOut: Type.Optional(Type.Array(Type.String())),
  denyOut: Type.Optional(Type.Array(Type.String())),
  allowPublicTraffic: Type.Optional(Type.Boolean()),
  egressProxy: Type.Optional(Type.Union([Type.Object({}), Type.Null()])),
  rules: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Object({})))),
  maskRequestHost: Type.Optional(Type.String()),
  httpsPorts: Type.Optional(Type.Array(Type.Integer())),
});
export type NetworkConfig = Static<typeof NetworkConfig>;

const createFields = {
  templateID: Type.String({ minLength: 1, maxLength: 200 }),
  timeout: Type.Optional(Seconds),
  metadata: Type.Optional(StringMap),
  envVars: Type.Optional(StringMap),
  allow_internet_access: Type.Optional(Type.Boolean()),
  autoPause: Type.Optional(Type.Boolean()),
  autoPauseMemory: Type.Optional(Type.Boolean()),
  autoResume: Type.Optional(Type.Object({ enabled: Type.Boolean() })),
  network: Type.Optional(NetworkConfig),
  iam: Type.Optional(Type.Object({})),
  mcp: Type.Optional(Type.Union([Type.Object({}), Type.Null()])),
  volumeMounts: Type.Optional(
    Type.Array(Type.Object({ name: Type.String(), path: Type.String() })),
  ),
};

/** `POST /v2/sandboxes` (e2b 2.51+): always secured. */
export const NewSandboxV2 = Type.Object(createFields);
export type NewSandboxV2 = Static<typeof NewSandboxV2>;

/** `POST /sandboxes` (e2b ≤ 2.50): `secure` false means envd without an access token. */
export const NewSandbox = Type.Object({ ...createFields, secure: Type.Optional(Type.Boolean()) });
export type NewSandbox = Static<typeof NewSandbox>;

/**
 * Connect (v1 requires timeout, v2 does not) and the ≤ 2.5 resume body share one shape; a
 * missing body is accepted like `{}` (the union with null is how Fastify lets it through).
 */
export const ConnectSandbox = Type.Union([
  Type.Object({
    timeout: Type.Optional(Seconds),
    memory: Type.Optional(Type.Boolean()),
    autoPause: Type.Optional(Type.Boolean()),
  }),
  Type.Null(),
]);
export type ConnectSandbox = Static<typeof ConnectSandbox>;

export const SandboxTimeoutRequest = Type.Object({ timeout: Seconds });

/** Older SDKs pause with no body at all; the route treats a missing body as `{}`. */
export const SandboxPauseRequest = Type.Union([
  Type.Object({ memory: Type.Optional(Type.Boolean()) }),
  Type.Null(),
]);

export const SandboxSnapshotRequest = Type.Union([
  Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
  Type.Null(),
]);

const envdVersion = Type.String({ description: "Semver of envd; gates SDK features" });
const clientID = Type.String({ description: "Deprecated by E2B; a constant" });
const nullableString = Type.Union([Type.String(), Type.Null()]);

export const E2bSandbox = Type.Object({
  sandboxID: Type.String(),
  templateID: Type.String(),
  alias: Type.Optional(Type.String()),
  clientID,
  envdVersion,
  envdAccessToken: Type.Optional(Type.String()),
  trafficAccessToken: nullableString,
  domain: nullableString,
});
export type E2bSandbox = Static<typeof E2bSandbox>;

const SandboxState = Type.Union([Type.Literal("running"), Type.Literal("paused")]);

const listedFields = {
  sandboxID: Type.String(),
  templateID: Type.String(),
  alias: Type.Optional(Type.String()),
  clientID,
  cpuCount: Type.Integer(),
  memoryMB: Type.Integer(),
  diskSizeMB: Type.Integer(),
  startedAt: Type.String({ format: "date-time" }),
  endAt: Type.String({ format: "date-time" }),
  state: SandboxState,
  envdVersion,
  metadata: StringMap,
};

export const ListedSandbox = Type.Object(listedFields);
export type ListedSandbox = Static<typeof ListedSandbox>;

export const SandboxDetail = Type.Object({
  ...listedFields,
  // SDKs up to 2.5 take their envd credentials from here on connect.
  envdAccessToken: Type.Optional(Type.String()),
  domain: nullableString,
  allowInternetAccess: Type.Union([Type.Boolean(), Type.Null()]),
  network: Type.Object({
    allowOut: Type.Array(Type.String()),
    denyOut: Type.Array(Type.String()),
    allowPublicTraffic: Type.Boolean(),
  }),
  lifecycle: Type.Object({
    onTimeout: Type.Union([Type.Literal("kill"), Type.Literal("pause")]),
    autoResume: Type.Boolean(),
  }),
  volumeMounts: Type.Array(Type.Object({ name: Type.String(), path: Type.String() })),
});
export type SandboxDetail = Static<typeof SandboxDetail>;

export const ListSandboxesQuery = Type.Object({
  // A form array: `state=running,paused` or repeated `state=…`; split by the route.
  state: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  metadata: Type.Optional(Type.String({ maxLength: 4096 })),
  startedAfter: Type.Optional(Type.String({ format: "date-time" })),
  template: Type.Optional(Type.String()),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  nextToken: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ListSandboxesQuery = Static<typeof ListSandboxesQuery>;

export const SandboxMetric = Type.Object({
  timestamp: Type.String({ format: "date-time" }),
  timestampUnix: Type.Integer(),
  cpuCount: Type.Integer(),
  cpuUsedPct: Type.Number(),
  memUsed: Type.Integer(),
  memTotal: Type.Integer(),
  memCache: Type.Integer(),
  diskUsed: Type.Integer(),
  diskTotal: Type.Integer(),
});
export type SandboxMetric = Static<typeof SandboxMetric>;

export const MetricsQuery = Type.Object({
  start: Type.Optional(Type.Integer({ minimum: 0 })),
  end: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const SnapshotInfo = Type.Object({
  snapshotID: Type.String(),
  names: Type.Array(Type.String()),
});
export type SnapshotInfo = Static<typeof SnapshotInfo>;

export const ListSnapshotsQuery = Type.Object({
  sandboxID: Type.Optional(Type.String({ maxLength: 200 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  nextToken: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ListSnapshotsQuery = Static<typeof ListSnapshotsQuery>;

export const TemplateParams = Type.Object({ templateID: Type.String({ maxLength: 200 }) });
