import { hash, verify } from "@node-rs/argon2";

// `Algorithm.Argon2id` from @node-rs/argon2 is an ambient const enum, which verbatimModuleSyntax
// cannot import; 2 is its value.
const ARGON2ID = 2;
// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~20 ms here, cheap enough for login.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash of a random string nobody knows, with the same parameters: verifying against it when
 * an email is unknown makes that answer take as long as a wrong password, so response times do
 * not reveal which emails have accounts.
 */
const DECOY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$OAK56pud/A+YKvJHhtwxwQ$c4fr0gB2mcEKlRKxnr/vyrymzE0DJBQH1y/IN49qU98";

export const PASSWORD_MIN_CHARS = 8;
// Bounded so one request cannot make the server hash megabytes.
export const PASSWORD_MAX_CHARS = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** `storedHash` null (unknown user, or no password set) still costs one verification. */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  const ok = await verify(storedHash ?? DECOY_HASH, password);
  return ok && storedHash !== null;
}
