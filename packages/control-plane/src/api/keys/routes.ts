import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { apiKeyIds } from "@wrenn/shared";
import { Type } from "typebox";
import type { KeyService } from "../../services/keys.js";
import { principalOf } from "../auth-hook.js";
import { TeamHeader, withErrors } from "../schemas.js";
import {
  ApiKeyList,
  ApiKeyParams,
  ApiKeyView,
  CreateApiKeyBody,
  CreatedApiKeyView,
  toApiKeyView,
} from "./schemas.js";

/** API keys of the principal's team (X-Team-Id or the session's team; a key's own team). */
export function keyRoutes(deps: { keys: KeyService }): FastifyPluginAsyncTypebox {
  const { keys } = deps;
  return async (app) => {
    app.post(
      "/v1/keys",
      {
        config: { auth: "team" },
        schema: {
          tags: ["keys"],
          summary: "Create an API key; the secret is in this response only",
          headers: TeamHeader,
          body: CreateApiKeyBody,
          response: withErrors({ 201: CreatedApiKeyView }),
        },
      },
      async (request, reply) => {
        const { key, secret } = await keys.create(principalOf(request), request.body);
        return reply.code(201).send({ ...toApiKeyView(key), key: secret });
      },
    );

    app.get(
      "/v1/keys",
      {
        config: { auth: "team" },
        schema: {
          tags: ["keys"],
          summary: "API keys of the team (never their secrets)",
          headers: TeamHeader,
          response: withErrors({ 200: ApiKeyList }),
        },
      },
      async (request) => (await keys.list(principalOf(request))).map(toApiKeyView),
    );

    app.get(
      "/v1/keys/:keyId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["keys"],
          summary: "One API key",
          headers: TeamHeader,
          params: ApiKeyParams,
          response: withErrors({ 200: ApiKeyView }),
        },
      },
      async (request) =>
        toApiKeyView(await keys.get(principalOf(request), apiKeyIds.parse(request.params.keyId))),
    );

    app.delete(
      "/v1/keys/:keyId",
      {
        config: { auth: "team" },
        schema: {
          tags: ["keys"],
          summary: "Delete an API key (admin, owner, or its creator); it stops working at once",
          headers: TeamHeader,
          params: ApiKeyParams,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        await keys.remove(principalOf(request), apiKeyIds.parse(request.params.keyId));
        return reply.code(204).send(null);
      },
    );
  };
}
