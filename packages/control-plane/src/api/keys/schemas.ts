import { type Static, Type } from "typebox";
import type { ApiKey } from "../../db/queries/team-api-keys.js";
import {
  ApiKeyIdSchema,
  DisplayName,
  NullableTimestamp,
  TeamIdSchema,
  Timestamp,
  UserIdSchema,
} from "../schemas.js";

export const ApiKeyView = Type.Object({
  id: ApiKeyIdSchema,
  teamId: TeamIdSchema,
  name: Type.String(),
  prefix: Type.String({ description: "The key's first characters, to tell keys apart" }),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  createdBy: Type.Union([UserIdSchema, Type.Null()], {
    description: "null once that user is deleted",
  }),
});
export type ApiKeyView = Static<typeof ApiKeyView>;

export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    teamId: key.teamId,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdBy: key.createdBy,
  };
}

export const CreatedApiKeyView = Type.Object({
  ...ApiKeyView.properties,
  key: Type.String({ description: "The secret: shown in this response only; store it now" }),
});

export const ApiKeyList = Type.Array(ApiKeyView);

export const CreateApiKeyBody = Type.Object({ name: DisplayName }, { additionalProperties: false });

export const ApiKeyParams = Type.Object({ keyId: ApiKeyIdSchema }, { additionalProperties: false });
