import { createHash, randomInt } from "node:crypto";

/*
 * Keys are `wrn_` + 40 base-62 characters (~238 bits). The e2b SDK from 2.46 on sends any key;
 * 2.27–2.45 check `^e2b_[0-9a-f]+$` locally and need E2B_VALIDATE_API_KEY=false (2.30.1+).
 */
export const API_KEY_PREFIX = "wrn_";
const BODY_CHARS = 40;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const API_KEY_RE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_CHARS}}$`);
// Shown in lists so a user can tell keys apart; 6 of 40 characters leave ~200 bits secret.
const SHOWN_CHARS = API_KEY_PREFIX.length + 6;

export interface GeneratedApiKey {
  /** The whole key: returned to the caller once, never stored. */
  readonly secret: string;
  readonly prefix: string;
  readonly hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  let body = "";
  // randomInt is uniform (rejection sampling inside), unlike `byte % 62`.
  for (let i = 0; i < BODY_CHARS; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  const secret = `${API_KEY_PREFIX}${body}`;
  return { secret, prefix: secret.slice(0, SHOWN_CHARS), hash: hashApiKey(secret) };
}

/** SHA-256 is enough here: the key is random and long, so there is nothing to brute-force. */
export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function isWellFormedApiKey(value: string): boolean {
  return API_KEY_RE.test(value);
}
