import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { userIds } from "@wrenn/shared";
import { Type } from "typebox";
import type { MemberService } from "../../services/members.js";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import { TeamParams } from "../teams/schemas.js";
import {
  AddMemberBody,
  ChangeRoleBody,
  MemberList,
  MemberParams,
  MemberView,
  toMemberView,
} from "./schemas.js";

export function memberRoutes(deps: { members: MemberService }): FastifyPluginAsyncTypebox {
  const { members } = deps;
  return async (app) => {
    app.get(
      "/v1/teams/:teamId/members",
      {
        config: { auth: "team" },
        schema: {
          tags: ["members"],
          summary: "Members of a team",
          params: TeamParams,
          response: withErrors({ 200: MemberList }),
        },
      },
      async (request) => (await members.list(principalOf(request))).map(toMemberView),
    );

    app.post(
      "/v1/teams/:teamId/members",
      {
        config: { auth: "team" },
        schema: {
          tags: ["members"],
          summary: "Add an existing user by email (admin or owner; only an owner adds owners)",
          params: TeamParams,
          body: AddMemberBody,
          response: withErrors({ 201: MemberView }),
        },
      },
      async (request, reply) => {
        const { email, role = "member" } = request.body;
        const member = await members.add(principalOf(request), { email, role });
        return reply.code(201).send(toMemberView(member));
      },
    );

    app.patch(
      "/v1/teams/:teamId/members/:userId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["members"],
          summary: "Change a member's role (admin or owner; only an owner touches owners)",
          params: MemberParams,
          body: ChangeRoleBody,
          response: withErrors({ 200: MemberView }),
        },
      },
      async (request) => {
        const userId = userIds.parse(request.params.userId);
        return toMemberView(
          await members.changeRole(principalOf(request), userId, request.body.role),
        );
      },
    );

    app.delete(
      "/v1/teams/:teamId/members/:userId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["members"],
          summary: "Remove a member (admin or owner; only an owner removes an owner)",
          params: MemberParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        await members.remove(principalOf(request), userIds.parse(request.params.userId));
        return reply.code(204).send(null);
      },
    );

    app.post(
      "/v1/teams/:teamId/leave",
      {
        config: { auth: "team" },
        schema: {
          tags: ["members"],
          summary: "Leave a team (the last owner cannot)",
          params: TeamParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        await members.leave(principalOf(request));
        return reply.code(204).send(null);
      },
    );
  };
}
