import {
  PLATFORM_TEAM_UUID,
  type SandboxId,
  sandboxIdFromUuid,
  sandboxIdToUuid,
  type TeamId,
  type TemplateId,
  teamIds,
  templateIds,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { and, asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { type TemplateType, templates } from "../schema.js";

export interface Template {
  readonly id: TemplateId;
  readonly teamId: TeamId;
  readonly name: string;
  readonly type: TemplateType;
  /** Set for snapshots, whose size is fixed by the memory image; null for base templates. */
  readonly vcpus: number | null;
  readonly memoryMb: number | null;
  readonly createdBy: UserId | null;
  /** For snapshots: the sandbox it was taken from. */
  readonly sourceSandboxId: SandboxId | null;
  readonly sizeBytes: number | null;
  readonly createdAt: Date;
  /** Owned by the platform team and usable by every team. */
  readonly isPlatform: boolean;
}

type TemplateRow = typeof templates.$inferSelect;

function toTemplate(row: TemplateRow): Template {
  return {
    id: templateIds.fromUuid(row.id),
    teamId: teamIds.fromUuid(row.teamId),
    name: row.name,
    type: row.type,
    vcpus: row.vcpus,
    memoryMb: row.memoryMb,
    createdBy: row.createdBy ? userIds.fromUuid(row.createdBy) : null,
    sourceSandboxId: row.sourceSandboxId ? sandboxIdFromUuid(row.sourceSandboxId) : null,
    sizeBytes: row.sizeBytes,
    createdAt: row.createdAt,
    isPlatform: row.teamId === PLATFORM_TEAM_UUID,
  };
}

/** The team's own templates and the platform's. */
const visibleTo = (teamId: TeamId) =>
  inArray(templates.teamId, [teamIds.toUuid(teamId), PLATFORM_TEAM_UUID]);

export function createTemplateQueries(db: Executor) {
  return {
    async getVisible(teamId: TeamId, id: TemplateId): Promise<Template | null> {
      const [row] = await db
        .select()
        .from(templates)
        .where(and(eq(templates.id, templateIds.toUuid(id)), visibleTo(teamId)));
      return row ? toTemplate(row) : null;
    },

    /** By name; a team's own template shadows a platform template of the same name. */
    async getVisibleByName(teamId: TeamId, name: string): Promise<Template | null> {
      const [row] = await db
        .select()
        .from(templates)
        .where(and(eq(templates.name, name), visibleTo(teamId)))
        .orderBy(sql`${templates.teamId} = ${PLATFORM_TEAM_UUID}`)
        .limit(1);
      return row ? toTemplate(row) : null;
    },

    async listVisible(teamId: TeamId): Promise<Template[]> {
      const rows = await db
        .select()
        .from(templates)
        .where(visibleTo(teamId))
        .orderBy(asc(templates.name), asc(templates.id));
      return rows.map(toTemplate);
    },

    /** The team's own snapshot templates, newest first; optionally of one source sandbox. */
    async listSnapshots(teamId: TeamId, sourceSandboxId?: SandboxId): Promise<Template[]> {
      const rows = await db
        .select()
        .from(templates)
        .where(
          and(
            eq(templates.teamId, teamIds.toUuid(teamId)),
            eq(templates.type, "snapshot"),
            sourceSandboxId
              ? eq(templates.sourceSandboxId, sandboxIdToUuid(sourceSandboxId))
              : undefined,
          ),
        )
        .orderBy(desc(templates.createdAt), desc(templates.id));
      return rows.map(toTemplate);
    },

    /** Returns null when the team already has a template of that name. */
    async insert(values: {
      id?: TemplateId;
      teamId: TeamId;
      name: string;
      type: TemplateType;
      vcpus: number | null;
      memoryMb: number | null;
      createdBy: UserId | null;
      sourceSandboxId?: SandboxId | null;
      sizeBytes?: number | null;
    }): Promise<Template | null> {
      const { id, sourceSandboxId, ...rest } = values;
      const [row] = await db
        .insert(templates)
        .values({
          ...rest,
          ...(id && { id: templateIds.toUuid(id) }),
          teamId: teamIds.toUuid(values.teamId),
          createdBy: values.createdBy ? userIds.toUuid(values.createdBy) : null,
          sourceSandboxId: sourceSandboxId ? sandboxIdToUuid(sourceSandboxId) : null,
        })
        .onConflictDoNothing({ target: [templates.teamId, templates.name] })
        .returning();
      return row ? toTemplate(row) : null;
    },

    async setSize(id: TemplateId, sizeBytes: number): Promise<Template | null> {
      const [row] = await db
        .update(templates)
        .set({ sizeBytes })
        .where(eq(templates.id, templateIds.toUuid(id)))
        .returning();
      return row ? toTemplate(row) : null;
    },

    /** Only the team's own templates: the platform's cannot be deleted through a team. */
    async deleteForTeam(teamId: TeamId, id: TemplateId): Promise<boolean> {
      const rows = await db
        .delete(templates)
        .where(
          and(
            eq(templates.id, templateIds.toUuid(id)),
            eq(templates.teamId, teamIds.toUuid(teamId)),
            ne(templates.teamId, PLATFORM_TEAM_UUID),
          ),
        )
        .returning({ id: templates.id });
      return rows.length > 0;
    },
  };
}

export type TemplateQueries = ReturnType<typeof createTemplateQueries>;
