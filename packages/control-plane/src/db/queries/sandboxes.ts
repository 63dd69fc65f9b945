import {
  canTransition,
  type HostId,
  hostIds,
  type SandboxId,
  type SandboxState,
  sandboxIdFromUuid,
  sandboxIdToUuid,
  type TeamId,
  type TemplateId,
  teamIds,
  templateIds,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { and, count, desc, eq, inArray, isNotNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { type SandboxEgress, sandboxes } from "../schema.js";

export interface Sandbox {
  readonly id: SandboxId;
  readonly teamId: TeamId;
  /** null once its (snapshot) template was deleted; live sandboxes keep theirs. */
  readonly templateId: TemplateId | null;
  readonly hostId: HostId | null;
  readonly createdBy: UserId | null;
  readonly state: SandboxState;
  /** Why it is in this state: the agent's error, or what stopped it. */
  readonly statusReason: string | null;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskSizeMb: number;
  readonly timeoutMs: number;
  readonly endAt: Date | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** AES-GCM envelope from auth/secret-box.ts; open it only to hand the vars to the agent. */
  readonly envVarsSealed: string | null;
  readonly autoPause: boolean;
  readonly autoResume: boolean;
  readonly allowInternetAccess: boolean;
  readonly egress: SandboxEgress;
  readonly envdAccessTokenHash: string | null;
  readonly trafficAccessTokenHash: string | null;
  /** Input of the token derivation (services/sandbox-tokens.ts); bumped to rotate. */
  readonly tokenGeneration: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly updatedAt: Date;
}

export interface NewSandbox {
  readonly id: SandboxId;
  readonly teamId: TeamId;
  readonly templateId: TemplateId;
  /** Chosen by the scheduler before the row exists, so a pending row always has its host. */
  readonly hostId?: HostId | null;
  readonly createdBy: UserId | null;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskSizeMb?: number;
  readonly timeoutMs: number;
  readonly metadata: Record<string, string>;
  readonly envVarsSealed: string | null;
  readonly autoPause: boolean;
  readonly autoResume: boolean;
  readonly allowInternetAccess: boolean;
  /** Default: no CIDR rules. */
  readonly egress?: SandboxEgress;
  readonly envdAccessTokenHash: string | null;
  readonly trafficAccessTokenHash: string | null;
}

/** Columns a status write may change along with the status; never the status itself. */
export interface SandboxPatch {
  readonly statusReason?: string | null;
  readonly tokenGeneration?: number;
  readonly hostId?: HostId | null;
  readonly timeoutMs?: number;
  readonly endAt?: Date | null;
  readonly startedAt?: Date | null;
  readonly metadata?: Record<string, string>;
  readonly envdAccessTokenHash?: string | null;
  readonly trafficAccessTokenHash?: string | null;
}

export interface SandboxListFilter {
  readonly states?: readonly SandboxState[];
  /** Every pair must be present (jsonb containment). */
  readonly metadata?: Record<string, string>;
  readonly limit: number;
  /** Keyset cursor: the last sandbox of the previous page (newest first). */
  readonly after?: { readonly createdAt: Date; readonly id: SandboxId };
}

type SandboxRow = typeof sandboxes.$inferSelect;

function toSandbox(row: SandboxRow): Sandbox {
  const { id, teamId, templateId, hostId, createdBy, status, ...plain } = row;
  return {
    ...plain,
    id: sandboxIdFromUuid(id),
    teamId: teamIds.fromUuid(teamId),
    templateId: templateId ? templateIds.fromUuid(templateId) : null,
    hostId: hostId ? hostIds.fromUuid(hostId) : null,
    createdBy: createdBy ? userIds.fromUuid(createdBy) : null,
    state: status,
  };
}

function toColumns(patch: SandboxPatch) {
  const { hostId, ...rest } = patch;
  return {
    ...rest,
    ...(hostId !== undefined && { hostId: hostId ? hostIds.toUuid(hostId) : null }),
    updatedAt: sql`now()`,
  };
}

const byId = (id: SandboxId) => eq(sandboxes.id, sandboxIdToUuid(id));
const ofTeam = (teamId: TeamId, id: SandboxId) =>
  and(byId(id), eq(sandboxes.teamId, teamIds.toUuid(teamId)));

export function createSandboxQueries(db: Executor) {
  return {
    async get(id: SandboxId): Promise<Sandbox | null> {
      const [row] = await db.select().from(sandboxes).where(byId(id));
      return row ? toSandbox(row) : null;
    },

    /** Another team's sandbox is simply not found. */
    async getForTeam(teamId: TeamId, id: SandboxId): Promise<Sandbox | null> {
      const [row] = await db.select().from(sandboxes).where(ofTeam(teamId, id));
      return row ? toSandbox(row) : null;
    },

    async listForTeam(teamId: TeamId, filter: SandboxListFilter): Promise<Sandbox[]> {
      const conditions: (SQL | undefined)[] = [eq(sandboxes.teamId, teamIds.toUuid(teamId))];
      if (filter.states) conditions.push(inArray(sandboxes.status, [...filter.states]));
      if (filter.metadata && Object.keys(filter.metadata).length > 0) {
        conditions.push(sql`${sandboxes.metadata} @> ${JSON.stringify(filter.metadata)}::jsonb`);
      }
      if (filter.after) {
        const { createdAt, id } = filter.after;
        conditions.push(
          or(
            lt(sandboxes.createdAt, createdAt),
            and(eq(sandboxes.createdAt, createdAt), lt(sandboxes.id, sandboxIdToUuid(id))),
          ),
        );
      }
      const rows = await db
        .select()
        .from(sandboxes)
        .where(and(...conditions))
        .orderBy(desc(sandboxes.createdAt), desc(sandboxes.id))
        .limit(filter.limit);
      return rows.map(toSandbox);
    },

    async listByHost(hostId: HostId, states?: readonly SandboxState[]): Promise<Sandbox[]> {
      const rows = await db
        .select()
        .from(sandboxes)
        .where(
          and(
            eq(sandboxes.hostId, hostIds.toUuid(hostId)),
            states ? inArray(sandboxes.status, [...states]) : undefined,
          ),
        );
      return rows.map(toSandbox);
    },

    /** Sandboxes per host in `states`, for the scheduler; hosts with none are absent. */
    async countByHost(states: readonly SandboxState[]): Promise<Map<HostId, number>> {
      const rows = await db
        .select({ hostId: sandboxes.hostId, n: count() })
        .from(sandboxes)
        .where(and(inArray(sandboxes.status, [...states]), isNotNull(sandboxes.hostId)))
        .groupBy(sandboxes.hostId);
      const counts = new Map<HostId, number>();
      for (const row of rows) if (row.hostId) counts.set(hostIds.fromUuid(row.hostId), row.n);
      return counts;
    },

    /** How many of the team's sandboxes in `states` were made from `templateId`. */
    async countUsingTemplate(
      templateId: TemplateId,
      states: readonly SandboxState[],
    ): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(sandboxes)
        .where(
          and(
            eq(sandboxes.templateId, templateIds.toUuid(templateId)),
            inArray(sandboxes.status, [...states]),
          ),
        );
      return row?.n ?? 0;
    },

    async countForTeam(teamId: TeamId, states: readonly SandboxState[]): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(sandboxes)
        .where(
          and(eq(sandboxes.teamId, teamIds.toUuid(teamId)), inArray(sandboxes.status, [...states])),
        );
      return row?.n ?? 0;
    },

    async insert(values: NewSandbox): Promise<Sandbox> {
      const [row] = await db
        .insert(sandboxes)
        .values({
          ...values,
          id: sandboxIdToUuid(values.id),
          teamId: teamIds.toUuid(values.teamId),
          templateId: templateIds.toUuid(values.templateId),
          hostId: values.hostId ? hostIds.toUuid(values.hostId) : null,
          createdBy: values.createdBy ? userIds.toUuid(values.createdBy) : null,
          status: "pending",
        })
        .returning();
      if (!row) throw new Error("INSERT … RETURNING gave no row");
      return toSandbox(row);
    },

    /**
     * The only status write: `UPDATE … SET status = to WHERE id = … AND status IN (from)`.
     * Returns the updated sandbox, or null when it was not in one of the `from` states (someone
     * else moved it first); the caller decides whether that is a conflict.
     */
    async transition(
      id: SandboxId,
      change: {
        from: SandboxState | readonly SandboxState[];
        to: SandboxState;
        set?: SandboxPatch;
      },
    ): Promise<Sandbox | null> {
      const from = typeof change.from === "string" ? [change.from] : [...change.from];
      for (const state of from) {
        if (!canTransition(state, change.to)) {
          throw new Error(
            `sandbox transition ${state} → ${change.to} is not in SANDBOX_TRANSITIONS`,
          );
        }
      }
      const [row] = await db
        .update(sandboxes)
        .set({ ...toColumns(change.set ?? {}), status: change.to })
        .where(and(byId(id), inArray(sandboxes.status, from)))
        .returning();
      return row ? toSandbox(row) : null;
    },

    /** Changes columns other than the status, only while the sandbox is in one of `inStates`. */
    async update(
      id: SandboxId,
      patch: SandboxPatch,
      inStates: readonly SandboxState[],
    ): Promise<Sandbox | null> {
      const [row] = await db
        .update(sandboxes)
        .set(toColumns(patch))
        .where(and(byId(id), inArray(sandboxes.status, [...inStates])))
        .returning();
      return row ? toSandbox(row) : null;
    },
  };
}

export type SandboxQueries = ReturnType<typeof createSandboxQueries>;
