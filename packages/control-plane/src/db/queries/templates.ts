import {
  PLATFORM_TEAM_UUID,
  type TeamId,
  type TemplateId,
  teamIds,
  templateIds,
  type UserId,
  userIds,
} from "@wrenn/shared";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
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

    /** Returns null when the team already has a template of that name. */
    async insert(values: {
      teamId: TeamId;
      name: string;
      type: TemplateType;
      vcpus: number | null;
      memoryMb: number | null;
      createdBy: UserId | null;
    }): Promise<Template | null> {
      const [row] = await db
        .insert(templates)
        .values({
          ...values,
          teamId: teamIds.toUuid(values.teamId),
          createdBy: values.createdBy ? userIds.toUuid(values.createdBy) : null,
        })
        .onConflictDoNothing({ target: [templates.teamId, templates.name] })
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
