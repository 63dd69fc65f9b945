import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { parseSandboxId, templateIds } from "@wrenn/shared";
import { Type } from "typebox";
import type { SnapshotService } from "../../services/snapshots.js";
import { principalOf } from "../auth-hook.js";
import { TeamHeader, withErrors } from "../schemas.js";
import { TemplateList, TemplateView, toTemplateView } from "../templates/schemas.js";
import { CreateSnapshotBody, ListSnapshotsQuery, SnapshotParams } from "./schemas.js";

/** Snapshot templates of the team; a snapshot is a template of type `snapshot`. */
export function snapshotRoutes(deps: { snapshots: SnapshotService }): FastifyPluginAsyncTypebox {
  const { snapshots } = deps;
  const tags = ["snapshots"];
  return async (app) => {
    app.post(
      "/v1/snapshots",
      {
        config: { auth: "team" },
        schema: {
          tags,
          summary: "Snapshot a running or paused sandbox into a new template",
          description:
            "Waits for the copy. A running sandbox is paused for it and resumed after (same tokens); a paused one stays paused.",
          headers: TeamHeader,
          body: CreateSnapshotBody,
          response: withErrors({ 201: TemplateView }),
        },
      },
      async (request, reply) => {
        const template = await snapshots.create(principalOf(request), {
          sandboxId: parseSandboxId(request.body.sandboxId),
          name: request.body.name,
        });
        return reply.code(201).send(toTemplateView(template));
      },
    );

    app.get(
      "/v1/snapshots",
      {
        config: { auth: "team" },
        schema: {
          tags,
          summary: "The team's snapshot templates, newest first",
          headers: TeamHeader,
          querystring: ListSnapshotsQuery,
          response: withErrors({ 200: TemplateList }),
        },
      },
      async (request) => {
        const { sandboxId } = request.query;
        const list = await snapshots.list(principalOf(request).teamId, {
          ...(sandboxId && { sandboxId: parseSandboxId(sandboxId) }),
        });
        return list.map(toTemplateView);
      },
    );

    app.delete(
      "/v1/snapshots/:templateId",
      {
        config: { auth: "team" },
        schema: {
          tags,
          summary: "Delete a snapshot template (409 while a live sandbox uses it)",
          headers: TeamHeader,
          params: SnapshotParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        const id = templateIds.parse(request.params.templateId);
        await snapshots.remove(principalOf(request).teamId, id);
        return reply.code(204).send(null);
      },
    );
  };
}
