import { type ApiKeyId, ForbiddenError, hasRoleAtLeast, NotFoundError } from "@wrenn/shared";
import type { Logger } from "pino";
import { generateApiKey } from "../auth/api-keys.js";
import type { Principal } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import type { ApiKey } from "../db/queries/team-api-keys.js";
import { requireRole } from "./access.js";

export interface CreatedApiKey {
  readonly key: ApiKey;
  /** The whole secret: in this one response and nowhere else, ever. */
  readonly secret: string;
}

export function createKeyService(deps: { db: Database; log: Logger }) {
  const { db, log } = deps;

  async function get(actor: Principal, id: ApiKeyId): Promise<ApiKey> {
    const key = await db.queries.apiKeys.getForTeam(actor.teamId, id);
    if (!key) throw new NotFoundError("API key", id);
    return key;
  }

  return {
    /** Any member may create keys; an API key may not mint more of itself. */
    async create(actor: Principal, input: { name: string }): Promise<CreatedApiKey> {
      const generated = generateApiKey();
      const key = await db.transaction(async (q) => {
        const me = await requireRole(q, actor, "member", "create API keys");
        const key = await q.apiKeys.insert({
          teamId: actor.teamId,
          name: input.name,
          keyHash: generated.hash,
          keyPrefix: generated.prefix,
          createdBy: me.userId,
        });
        await q.auditLogs.insert({
          teamId: actor.teamId,
          actorUserId: me.userId,
          actorKeyId: null,
          action: "api_key.create",
          resourceType: "api_key",
          resourceId: key.id,
          data: { name: key.name, prefix: key.prefix },
        });
        return key;
      });
      log.info({ teamId: actor.teamId, keyId: key.id }, "API key created");
      return { key, secret: generated.secret };
    },

    list(actor: Principal): Promise<ApiKey[]> {
      return db.queries.apiKeys.listForTeam(actor.teamId);
    },

    get,

    /** An admin may delete any key of the team; a member only the keys they created. */
    async remove(actor: Principal, id: ApiKeyId): Promise<void> {
      await db.transaction(async (q) => {
        // Existence first: another team's key is a 404 for every caller, never a 403.
        const key = await q.apiKeys.getForTeam(actor.teamId, id);
        if (!key) throw new NotFoundError("API key", id);
        const me = await requireRole(q, actor, "member", "delete API keys");
        if (!hasRoleAtLeast(me.role, "admin") && key.createdBy !== me.userId) {
          throw new ForbiddenError("only a team admin or the key's creator can delete it");
        }
        await q.apiKeys.deleteForTeam(actor.teamId, id);
        await q.auditLogs.insert({
          teamId: actor.teamId,
          actorUserId: me.userId,
          actorKeyId: null,
          action: "api_key.delete",
          resourceType: "api_key",
          resourceId: id,
          data: { name: key.name, prefix: key.prefix },
        });
      });
      log.info({ teamId: actor.teamId, keyId: id }, "API key deleted");
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
