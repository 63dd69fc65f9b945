import { type HostId, hostIds } from "@wrenn/shared";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { type HostStatus, hosts } from "../schema.js";

export interface Host {
  readonly id: HostId;
  readonly address: string;
  readonly status: HostStatus;
  readonly lastHeartbeatAt: Date | null;
  readonly createdAt: Date;
}

type HostRow = typeof hosts.$inferSelect;

function toHost(row: HostRow): Host {
  return { ...row, id: hostIds.fromUuid(row.id) };
}

const byId = (id: HostId) => eq(hosts.id, hostIds.toUuid(id));

export function createHostQueries(db: Executor) {
  return {
    async get(id: HostId): Promise<Host | null> {
      const [row] = await db.select().from(hosts).where(byId(id));
      return row ? toHost(row) : null;
    },

    async list(statuses?: readonly HostStatus[]): Promise<Host[]> {
      const rows = await db
        .select()
        .from(hosts)
        .where(statuses ? inArray(hosts.status, [...statuses]) : undefined)
        .orderBy(asc(hosts.createdAt), asc(hosts.id));
      return rows.map(toHost);
    },

    async insert(values: { address: string; status?: HostStatus }): Promise<Host> {
      const [row] = await db.insert(hosts).values(values).returning();
      if (!row) throw new Error("INSERT … RETURNING gave no row");
      return toHost(row);
    },

    /**
     * A host that keeps its id across restarts (the embedded agent) but not its address: the
     * row is created once and then updated, and comes back online.
     */
    async upsert(values: { id: HostId; address: string }): Promise<Host> {
      const [row] = await db
        .insert(hosts)
        .values({ id: hostIds.toUuid(values.id), address: values.address, status: "online" })
        .onConflictDoUpdate({
          target: hosts.id,
          set: { address: values.address, status: "online", lastHeartbeatAt: sql`now()` },
        })
        .returning();
      if (!row) throw new Error("INSERT … ON CONFLICT … RETURNING gave no row");
      return toHost(row);
    },

    async recordHeartbeat(id: HostId): Promise<Host | null> {
      const [row] = await db
        .update(hosts)
        .set({ lastHeartbeatAt: sql`now()` })
        .where(byId(id))
        .returning();
      return row ? toHost(row) : null;
    },

    /** Conditional like every status write: null when the host was not in one of `from`. */
    async transition(
      id: HostId,
      change: { from: readonly HostStatus[]; to: HostStatus },
    ): Promise<Host | null> {
      const [row] = await db
        .update(hosts)
        .set({ status: change.to })
        .where(and(byId(id), inArray(hosts.status, [...change.from])))
        .returning();
      return row ? toHost(row) : null;
    },
  };
}

export type HostQueries = ReturnType<typeof createHostQueries>;
