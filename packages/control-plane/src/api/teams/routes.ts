import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { TeamService } from "../../services/teams.js";
import { principalOf, sessionOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import {
  CreateTeamBody,
  RenameTeamBody,
  TeamList,
  TeamParams,
  TeamView,
  toTeamView,
} from "./schemas.js";

/** Teams. Routes with :teamId resolve the principal in that team (404 when not a member). */
export function teamRoutes(deps: { teams: TeamService }): FastifyPluginAsyncTypebox {
  const { teams } = deps;
  return async (app) => {
    app.post(
      "/v1/teams",
      {
        config: { auth: "session" },
        schema: {
          tags: ["teams"],
          summary: "Create a team; you become its owner",
          body: CreateTeamBody,
          response: withErrors({ 201: TeamView }),
        },
      },
      async (request, reply) => {
        const { team, role } = await teams.create(sessionOf(request).userId, request.body);
        return reply.code(201).send(toTeamView(team, role));
      },
    );

    app.get(
      "/v1/teams",
      {
        config: { auth: "session" },
        schema: {
          tags: ["teams"],
          summary: "Teams you belong to",
          response: withErrors({ 200: TeamList }),
        },
      },
      async (request) => {
        const list = await teams.listForUser(sessionOf(request).userId);
        return list.map((t) => toTeamView(t.team, t.role));
      },
    );

    app.get(
      "/v1/teams/:teamId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["teams"],
          summary: "One team",
          params: TeamParams,
          response: withErrors({ 200: TeamView }),
        },
      },
      async (request) => {
        const { team, role } = await teams.get(principalOf(request));
        return toTeamView(team, role);
      },
    );

    app.patch(
      "/v1/teams/:teamId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["teams"],
          summary: "Rename a team (admin or owner); the slug never changes",
          params: TeamParams,
          body: RenameTeamBody,
          response: withErrors({ 200: TeamView }),
        },
      },
      async (request) => {
        const { team, role } = await teams.rename(principalOf(request), request.body);
        return toTeamView(team, role);
      },
    );

    app.delete(
      "/v1/teams/:teamId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["teams"],
          summary: "Delete a team (owner only); its sandboxes are destroyed",
          params: TeamParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        await teams.remove(principalOf(request));
        return reply.code(204).send(null);
      },
    );
  };
}
