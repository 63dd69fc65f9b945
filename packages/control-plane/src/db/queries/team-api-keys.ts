import {
  type ApiKeyId,
  apiKeyIds,
  type TeamId,
  teamIds,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { teamApiKeys, teams } from "../schema.js";

export interface ApiKey {
  readonly id: ApiKeyId;
  readonly teamId: TeamId;
  readonly name: string;
  readonly prefix: string;
  readonly createdBy: UserId | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

type ApiKeyRow = typeof teamApiKeys.$inferSelect;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: apiKeyIds.fromUuid(row.id),
    teamId: teamIds.fromUuid(row.teamId),
    name: row.name,
    prefix: row.keyPrefix,
    createdBy: row.createdBy ? userIds.fromUuid(row.createdBy) : null,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}

const ofTeam = (teamId: TeamId, id: ApiKeyId) =>
  and(eq(teamApiKeys.id, apiKeyIds.toUuid(id)), eq(teamApiKeys.teamId, teamIds.toUuid(teamId)));

export function createTeamApiKeyQueries(db: Executor) {
  return {
    /** The key with this SHA-256, only while its team is live. */
    async getByHash(keyHash: string): Promise<ApiKey | null> {
      const [row] = await db
        .select({ k: teamApiKeys })
        .from(teamApiKeys)
        .innerJoin(teams, eq(teams.id, teamApiKeys.teamId))
        .where(and(eq(teamApiKeys.keyHash, keyHash), isNull(teams.deletedAt)));
      return row ? toApiKey(row.k) : null;
    },

    async getForTeam(teamId: TeamId, id: ApiKeyId): Promise<ApiKey | null> {
      const [row] = await db.select().from(teamApiKeys).where(ofTeam(teamId, id));
      return row ? toApiKey(row) : null;
    },

    async listForTeam(teamId: TeamId): Promise<ApiKey[]> {
      const rows = await db
        .select()
        .from(teamApiKeys)
        .where(eq(teamApiKeys.teamId, teamIds.toUuid(teamId)))
        .orderBy(desc(teamApiKeys.createdAt), desc(teamApiKeys.id));
      return rows.map(toApiKey);
    },

    async insert(values: {
      teamId: TeamId;
      name: string;
      keyHash: string;
      keyPrefix: string;
      createdBy: UserId | null;
    }): Promise<ApiKey> {
      const [row] = await db
        .insert(teamApiKeys)
        .values({
          teamId: teamIds.toUuid(values.teamId),
          name: values.name,
          keyHash: values.keyHash,
          keyPrefix: values.keyPrefix,
          createdBy: values.createdBy ? userIds.toUuid(values.createdBy) : null,
        })
        .returning();
      if (!row) throw new Error("INSERT … RETURNING gave no row");
      return toApiKey(row);
    },

    async deleteForTeam(teamId: TeamId, id: ApiKeyId): Promise<boolean> {
      const rows = await db
        .delete(teamApiKeys)
        .where(ofTeam(teamId, id))
        .returning({ id: teamApiKeys.id });
      return rows.length > 0;
    },

    /**
     * Records a use, at most once per `minIntervalMs`: a key used for every request would
     * otherwise turn each read into a write.
     */
    async touch(id: ApiKeyId, minIntervalMs: number): Promise<void> {
      const cutoff = sql`now() - make_interval(secs => ${minIntervalMs / 1000})`;
      await db
        .update(teamApiKeys)
        .set({ lastUsedAt: sql`now()` })
        .where(
          and(
            eq(teamApiKeys.id, apiKeyIds.toUuid(id)),
            or(isNull(teamApiKeys.lastUsedAt), lt(teamApiKeys.lastUsedAt, cutoff)),
          ),
        );
    },
  };
}

export type TeamApiKeyQueries = ReturnType<typeof createTeamApiKeyQueries>;
