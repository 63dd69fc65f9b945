import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "./errors.js";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SandboxId = Brand<string, "SandboxId">;
export type UserId = Brand<string, "UserId">;
export type TeamId = Brand<string, "TeamId">;
export type ApiKeyId = Brand<string, "ApiKeyId">;
export type HostId = Brand<string, "HostId">;
export type TemplateId = Brand<string, "TemplateId">;

/** A database UUID (lowercase, dashed). */
export type Uuid = Brand<string, "Uuid">;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SANDBOX_PREFIX = "cl-";
// 2^128 in base 36 has 25 digits; fixed width keeps ids sortable and easy to validate.
const SANDBOX_DIGITS = 25;

export const PLATFORM_TEAM_UUID = "00000000-0000-0000-0000-000000000000" as Uuid;

export function parseUuid(value: string): Uuid {
  const lower = value.toLowerCase();
  if (!UUID_RE.test(lower)) throw new InvalidArgumentError(`not a UUID: ${JSON.stringify(value)}`);
  return lower as Uuid;
}

export function newUuid(): Uuid {
  return randomUUID() as Uuid;
}

/** Sandbox ids on the wire: `cl-` + the UUID in base 36 ([a-z0-9], safe in host names). */
export function sandboxIdFromUuid(uuid: Uuid): SandboxId {
  const n = BigInt(`0x${uuid.replaceAll("-", "")}`);
  return `${SANDBOX_PREFIX}${n.toString(36).padStart(SANDBOX_DIGITS, "0")}` as SandboxId;
}

export function sandboxIdToUuid(id: SandboxId): Uuid {
  const digits = id.slice(SANDBOX_PREFIX.length);
  let n = 0n;
  for (const ch of digits) n = n * 36n + BigInt(Number.parseInt(ch, 36));
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as Uuid;
}

export function newSandboxId(): SandboxId {
  return sandboxIdFromUuid(newUuid());
}

const SANDBOX_ID_RE = new RegExp(`^${SANDBOX_PREFIX}[0-9a-z]{${SANDBOX_DIGITS}}$`);

export function isSandboxId(value: string): value is SandboxId {
  if (!SANDBOX_ID_RE.test(value)) return false;
  // Base 36 with 25 digits can exceed 128 bits; such a value maps to no UUID.
  return BigInt(`0x${sandboxIdToUuid(value as SandboxId).replaceAll("-", "")}`) < 1n << 128n;
}

export function parseSandboxId(value: string): SandboxId {
  if (!isSandboxId(value)) {
    throw new InvalidArgumentError(
      `not a sandbox id: ${JSON.stringify(value)} (expected cl-<25 base-36 digits>)`,
    );
  }
  return value;
}

function prefixed<T extends string>(prefix: string) {
  return {
    fromUuid: (uuid: Uuid) => `${prefix}${uuid}` as T,
    toUuid: (id: T) => id.slice(prefix.length) as Uuid,
    parse(value: string): T {
      if (!value.startsWith(prefix) || !UUID_RE.test(value.slice(prefix.length))) {
        throw new InvalidArgumentError(`not a ${prefix.slice(0, -1)} id: ${JSON.stringify(value)}`);
      }
      return value as T;
    },
  };
}

export const userIds = prefixed<UserId>("usr-");
export const teamIds = prefixed<TeamId>("team-");
export const apiKeyIds = prefixed<ApiKeyId>("key-");
export const hostIds = prefixed<HostId>("host-");
export const templateIds = prefixed<TemplateId>("tpl-");
