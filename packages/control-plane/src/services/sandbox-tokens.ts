import { createHash, createHmac, hkdfSync } from "node:crypto";
import { type SandboxId, sandboxIdToUuid } from "@wrenn/shared";

/**
 * The envd access token and the traffic token of a sandbox, derived rather than stored:
 * HMAC-SHA256(key, `${sandboxUuid}:${generation}`), base64url, with one key per kind derived
 * from the server secret. The database keeps only SHA-256 hashes (for the proxy's checks), yet
 * create, connect and get can all hand out the same token; bumping the generation rotates it.
 * Every replica derives the same tokens from the same secret (WRENN_ENCRYPTION_KEY).
 */
export interface SandboxTokens {
  envd(id: SandboxId, generation: number): string;
  traffic(id: SandboxId, generation: number): string;
}

export function createSandboxTokens(secret: string): SandboxTokens {
  const keyFor = (purpose: string) =>
    Buffer.from(hkdfSync("sha256", secret, "wrenn", `sandbox ${purpose} token v1`, 32));
  const envdKey = keyFor("envd-access");
  const trafficKey = keyFor("traffic-access");
  const derive = (key: Buffer, id: SandboxId, generation: number) =>
    createHmac("sha256", key)
      .update(`${sandboxIdToUuid(id)}:${generation}`)
      .digest("base64url");
  return {
    envd: (id, generation) => derive(envdKey, id, generation),
    traffic: (id, generation) => derive(trafficKey, id, generation),
  };
}

/** SHA-256 (hex) of a token: what the sandboxes table stores and the proxy compares. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
