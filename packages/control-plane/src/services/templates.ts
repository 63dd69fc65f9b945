import { NotFoundError, type TeamId, templateIds } from "@wrenn/shared";
import type { Database } from "../db/client.js";
import type { Template } from "../db/queries/templates.js";

/**
 * The template's id on a host agent (its folder under images/teams/{team}/): a platform
 * template is known there by its name (`base`, built by the agent itself); a team's snapshot by
 * its UUID, which is what the control plane asked the agent to store it under.
 */
export function agentTemplateId(template: Template): string {
  return template.isPlatform ? template.name : templateIds.toUuid(template.id);
}

export function createTemplateService(deps: { readonly db: Database }) {
  const q = deps.db.queries.templates;
  return {
    /** By id (`tpl-…`) or by name; the team's own templates and the platform's. */
    async resolve(teamId: TeamId, ref: string): Promise<Template> {
      const template = ref.startsWith("tpl-")
        ? await q.getVisible(teamId, templateIds.parse(ref))
        : await q.getVisibleByName(teamId, ref);
      if (!template) throw new NotFoundError("template", ref);
      return template;
    },

    /** The team's templates and the platform's, by name. */
    list(teamId: TeamId): Promise<Template[]> {
      return q.listVisible(teamId);
    },
  };
}

export type TemplateService = ReturnType<typeof createTemplateService>;
