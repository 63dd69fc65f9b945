import { type TeamId, teamIds } from "@wrenn/shared";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { teams } from "../schema.js";

export interface Team {
  readonly id: TeamId;
  readonly slug: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly deletedAt: Date | null;
}

type TeamRow = typeof teams.$inferSelect;

export function toTeam(row: TeamRow): Team {
  return {
    id: teamIds.fromUuid(row.id),
    slug: row.slug,
    name: row.name,
    createdAt: row.createdAt,
    deletedAt: row.deletedAt,
  };
}

const live = (id: TeamId) => and(eq(teams.id, teamIds.toUuid(id)), isNull(teams.deletedAt));

export function createTeamQueries(db: Executor) {
  return {
    /** A team that is not soft-deleted. */
    async get(id: TeamId): Promise<Team | null> {
      const [row] = await db.select().from(teams).where(live(id));
      return row ? toTeam(row) : null;
    },

    /**
     * Row-locks a live team until the transaction ends, so membership changes of one team run
     * one at a time (the last-owner check would race otherwise). Use inside a transaction.
     */
    async lock(id: TeamId): Promise<Team | null> {
      const [row] = await db.select().from(teams).where(live(id)).for("update");
      return row ? toTeam(row) : null;
    },

    /** Returns null when the slug is taken, so the caller can retry with another one. */
    async insert(values: { slug: string; name: string }): Promise<Team | null> {
      const [row] = await db
        .insert(teams)
        .values(values)
        .onConflictDoNothing({ target: teams.slug })
        .returning();
      return row ? toTeam(row) : null;
    },

    /** The slug is immutable: only the name can change. */
    async update(id: TeamId, values: { name: string }): Promise<Team | null> {
      const [row] = await db.update(teams).set(values).where(live(id)).returning();
      return row ? toTeam(row) : null;
    },

    /** Conditional on the team being live: false when it was already deleted or never existed. */
    async softDelete(id: TeamId): Promise<boolean> {
      const rows = await db
        .update(teams)
        .set({ deletedAt: sql`now()` })
        .where(live(id))
        .returning({ id: teams.id });
      return rows.length > 0;
    },
  };
}

export type TeamQueries = ReturnType<typeof createTeamQueries>;
