import { InvalidStateError, type SandboxId } from "@wrenn/shared";
import { createEnvdClient, type EnvdClient } from "../envd/envd-client.js";
import type { SandboxTable } from "../manager/sandbox-table.js";

/** One envd client per running sandbox, rebuilt when its address or token changes. */
export function createEnvdClients(deps: { table: SandboxTable }) {
  const cache = new Map<SandboxId, { key: string; client: EnvdClient }>();
  return {
    forSandbox(id: SandboxId): EnvdClient {
      const record = deps.table.get(id);
      if (record.status !== "running" || !record.slot) {
        throw new InvalidStateError(record.status, "reach envd in");
      }
      const key = `${record.slot.sandboxAddress}|${record.envdAccessToken}`;
      const hit = cache.get(id);
      if (hit?.key === key) return hit.client;
      const client = createEnvdClient({
        address: record.slot.sandboxAddress,
        accessToken: record.envdAccessToken,
      });
      cache.set(id, { key, client });
      return client;
    },
    forget(id: SandboxId): void {
      cache.delete(id);
    },
  };
}

export type EnvdClients = ReturnType<typeof createEnvdClients>;
