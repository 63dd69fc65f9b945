import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Database } from "./db/client.js";
import type { Services } from "./services/index.js";

export const BOOTSTRAP_EMAIL = "admin@localhost";
export const BOOTSTRAP_KEY_FILE = "bootstrap-api-key";

export interface FirstUser {
  readonly email: string;
  readonly password: string;
  readonly apiKey: string;
  readonly keyFile: string;
}

/**
 * The first start of a server with no users: a first user with a random password, their team
 * and an API key, so the server is usable at once. The key also goes to
 * `$WRENN_DIR/bootstrap-api-key` (0600) for scripts. Returns null when users exist already
 * (every later start), so the secrets are shown once.
 */
export async function bootstrapFirstUser(deps: {
  readonly db: Database;
  readonly services: Pick<Services, "accounts" | "keys">;
  readonly dataDir: string;
  readonly log: Logger;
}): Promise<FirstUser | null> {
  if ((await deps.db.queries.users.count()) > 0) return null;
  const password = randomBytes(18).toString("base64url");
  let signedIn: Awaited<ReturnType<Services["accounts"]["signup"]>>;
  try {
    signedIn = await deps.services.accounts.signup({
      email: BOOTSTRAP_EMAIL,
      password,
      name: "admin",
    });
  } catch (error) {
    // Another replica starting at the same moment made it first: it shows the secrets.
    if (error instanceof ConflictError) return null;
    throw error;
  }
  const { user, team, role } = signedIn;
  if (!team || !role) throw new Error("signup made no team for the first user");
  const { secret } = await deps.services.keys.create(
    { via: "jwt", userId: user.id, teamId: team.id, role },
    { name: "bootstrap" },
  );
  const keyFile = join(deps.dataDir, BOOTSTRAP_KEY_FILE);
  await writeFile(keyFile, `${secret}\n`, { mode: 0o600 });
  // The mode above applies only to a new file; an old one from a reset database keeps its own.
  await chmod(keyFile, 0o600);
  deps.log.info({ userId: user.id, teamId: team.id, keyFile }, "first user created");
  return { email: BOOTSTRAP_EMAIL, password, apiKey: secret, keyFile };
}
