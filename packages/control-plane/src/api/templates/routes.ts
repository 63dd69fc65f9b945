import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { TemplateService } from "../../services/templates.js";
import { principalOf } from "../auth-hook.js";
import { TeamHeader, withErrors } from "../schemas.js";
import { TemplateList, toTemplateView } from "./schemas.js";

export function templateRoutes(deps: { templates: TemplateService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      "/v1/templates",
      {
        config: { auth: "team" },
        schema: {
          tags: ["templates"],
          summary: "Templates the team can start sandboxes from: its own and the platform's",
          headers: TeamHeader,
          response: withErrors({ 200: TemplateList }),
        },
      },
      async (request) =>
        (await deps.templates.list(principalOf(request).teamId)).map(toTemplateView),
    );
  };
}
