import {
  type ApiKeyId,
  apiKeyIds,
  type TeamId,
  teamIds,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { desc, eq } from "drizzle-orm";
import type { Executor } from "../client.js";
import { auditLogs } from "../schema.js";

export interface AuditEntry {
  readonly teamId: TeamId | null;
  readonly actorUserId: UserId | null;
  readonly actorKeyId: ApiKeyId | null;
  /** Dotted verb, e.g. `team.rename`, `member.add`, `api_key.create`. */
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string | null;
  /** Ids and names only, never secrets. */
  readonly data: Record<string, unknown>;
}

export interface AuditLog extends AuditEntry {
  readonly createdAt: Date;
}

export function createAuditLogQueries(db: Executor) {
  return {
    async insert(entry: AuditEntry): Promise<void> {
      await db.insert(auditLogs).values({
        teamId: entry.teamId ? teamIds.toUuid(entry.teamId) : null,
        actorUserId: entry.actorUserId ? userIds.toUuid(entry.actorUserId) : null,
        actorKeyId: entry.actorKeyId ? apiKeyIds.toUuid(entry.actorKeyId) : null,
        action: entry.action,
        resourceType: entry.resourceType,
        resourceId: entry.resourceId,
        data: entry.data,
      });
    },

    async listForTeam(teamId: TeamId, limit: number): Promise<AuditLog[]> {
      const rows = await db
        .select()
        .from(auditLogs)
        .where(eq(auditLogs.teamId, teamIds.toUuid(teamId)))
        .orderBy(desc(auditLogs.createdAt))
        .limit(limit);
      return rows.map((r) => ({
        teamId: r.teamId ? teamIds.fromUuid(r.teamId) : null,
        actorUserId: r.actorUserId ? userIds.fromUuid(r.actorUserId) : null,
        actorKeyId: r.actorKeyId ? apiKeyIds.fromUuid(r.actorKeyId) : null,
        action: r.action,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        data: r.data,
        createdAt: r.createdAt,
      }));
    },
  };
}

export type AuditLogQueries = ReturnType<typeof createAuditLogQueries>;
