import { SANDBOX_STATES, TEAM_ROLES, type Uuid } from "@wrenn/shared";
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/*
 * One schema for PGlite and PostgreSQL 15+. Closed sets (states, roles) are text columns with a
 * CHECK built from the shared arrays rather than Postgres enums: adding a value is then one
 * regenerated constraint, while ALTER TYPE … ADD VALUE cannot be used in the transaction that
 * adds it. After editing this file run `npm run db:generate -w @wrenn/control-plane`.
 */

export const TEMPLATE_TYPES = ["base", "snapshot"] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/** Outbound CIDR rules of a sandbox beyond its internet on/off switch. */
export interface SandboxEgress {
  readonly allowOut: readonly string[];
  readonly denyOut: readonly string[];
}

export const HOST_STATUSES = ["online", "unreachable", "draining"] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(", "))})`;
}

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    // Stored lowercased by the service; the unique index is what makes signup race-free.
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    // Nullable for accounts that will only sign in through OAuth later.
    passwordHash: text("password_hash"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const teams = pgTable(
  "teams",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    // Immutable: nothing in db/queries/teams.ts updates it, so URLs and host names built from it
    // stay valid for the team's whole life.
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("teams_slug_key").on(t.slug),
    check("teams_slug_format", sql`${t.slug} ~ '^[0-9a-f]{12}$'`),
  ],
);

export const usersTeams = pgTable(
  "users_teams",
  {
    userId: uuid("user_id")
      .$type<Uuid>()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: uuid("team_id")
      .$type<Uuid>()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    role: text("role", { enum: TEAM_ROLES }).notNull(),
    // The team a login lands in; the one made at signup.
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.teamId] }),
    index("users_teams_team_idx").on(t.teamId),
    check("users_teams_role", oneOf(t.role, TEAM_ROLES)),
  ],
);

export const teamApiKeys = pgTable(
  "team_api_keys",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .$type<Uuid>()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // SHA-256 (hex) of the whole secret; the secret itself is never stored.
    keyHash: text("key_hash").notNull(),
    // The first characters of the secret, so a user can tell keys apart in a list.
    keyPrefix: text("key_prefix").notNull(),
    createdBy: uuid("created_by")
      .$type<Uuid>()
      .references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("team_api_keys_hash_key").on(t.keyHash),
    index("team_api_keys_team_idx").on(t.teamId),
  ],
);

export const hosts = pgTable(
  "hosts",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    // host:port of the agent's Connect RPC server.
    address: text("address").notNull(),
    status: text("status", { enum: HOST_STATUSES }).notNull().default("online"),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [check("hosts_status", oneOf(t.status, HOST_STATUSES))],
);

export const templates = pgTable(
  "templates",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    // The platform team (all-zero UUID) owns templates every team can use.
    teamId: uuid("team_id")
      .$type<Uuid>()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    type: text("type", { enum: TEMPLATE_TYPES }).notNull(),
    // A snapshot carries running processes, so its size is fixed; a base template has none.
    vcpus: integer("vcpus"),
    memoryMb: integer("memory_mb"),
    createdBy: uuid("created_by")
      .$type<Uuid>()
      .references(() => users.id, { onDelete: "set null" }),
    // For snapshots: the sandbox it was taken from (no foreign key: informational only).
    sourceSandboxId: uuid("source_sandbox_id").$type<Uuid>(),
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("templates_team_name_key").on(t.teamId, t.name),
    check("templates_type", oneOf(t.type, TEMPLATE_TYPES)),
    check(
      "templates_snapshot_size",
      sql`${t.type} <> 'snapshot' or (${t.vcpus} is not null and ${t.memoryMb} is not null)`,
    ),
  ],
);

export const sandboxes = pgTable(
  "sandboxes",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .$type<Uuid>()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    // Nullable so a snapshot template can be deleted while stopped sandboxes made from it stay
    // in the history; a template still used by a live sandbox is refused by the service.
    templateId: uuid("template_id")
      .$type<Uuid>()
      .references(() => templates.id, { onDelete: "set null" }),
    hostId: uuid("host_id")
      .$type<Uuid>()
      .references(() => hosts.id, { onDelete: "set null" }),
    createdBy: uuid("created_by")
      .$type<Uuid>()
      .references(() => users.id, { onDelete: "set null" }),
    status: text("status", { enum: SANDBOX_STATES }).notNull().default("pending"),
    // Why the sandbox is in its state, for `error` (the agent's message) and `stopped` (reaped).
    statusReason: text("status_reason"),
    vcpus: integer("vcpus").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    diskSizeMb: integer("disk_size_mb").notNull().default(20480),
    timeoutMs: integer("timeout_ms").notNull(),
    endAt: timestamp("end_at", { withTimezone: true }),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    // Sealed with AES-256-GCM (auth/secret-box.ts): env vars often hold credentials.
    envVarsSealed: text("env_vars_sealed"),
    autoPause: boolean("auto_pause").notNull().default(false),
    autoResume: boolean("auto_resume").notNull().default(false),
    allowInternetAccess: boolean("allow_internet_access").notNull().default(true),
    // Outbound CIDR lists on top of allow_internet_access (allowOut wins over denyOut).
    egress: jsonb("egress").$type<SandboxEgress>().notNull().default({ allowOut: [], denyOut: [] }),
    // SHA-256 (hex) of the tokens; the raw tokens go to envd and the caller, never to disk.
    envdAccessTokenHash: text("envd_access_token_hash"),
    trafficAccessTokenHash: text("traffic_access_token_hash"),
    // The raw tokens are derived from the server secret, the id and this number (services/
    // sandbox-tokens.ts): bumping it rotates them without storing any of them.
    tokenGeneration: integer("token_generation").notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("sandboxes_team_status_idx").on(t.teamId, t.status),
    index("sandboxes_host_idx").on(t.hostId),
    check("sandboxes_status", oneOf(t.status, SANDBOX_STATES)),
    check("sandboxes_sizes", sql`${t.vcpus} > 0 and ${t.memoryMb} > 0 and ${t.diskSizeMb} > 0`),
    check("sandboxes_timeout", sql`${t.timeoutMs} > 0`),
  ],
);

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: uuid("id").$type<Uuid>().primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .$type<Uuid>()
      .references(() => teams.id, { onDelete: "cascade" }),
    actorUserId: uuid("actor_user_id")
      .$type<Uuid>()
      .references(() => users.id, { onDelete: "set null" }),
    actorKeyId: uuid("actor_key_id")
      .$type<Uuid>()
      .references(() => teamApiKeys.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    // Never secrets: callers pass ids and names only.
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("audit_logs_team_created_idx").on(t.teamId, t.createdAt)],
);
