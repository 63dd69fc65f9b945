import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";

const MIN_CHARS = 32;

/**
 * Single-host mode: a secret generated on first start and kept in a 0600 file, so sessions and
 * sealed data survive restarts without any configuration. Several replicas need the secret
 * from the environment instead (each would generate its own).
 */
export async function loadOrCreateSecret(path: string, log: Logger): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // "wx": only one of two processes starting together creates it; the other reads it below.
    await writeFile(path, `${randomBytes(32).toString("base64url")}\n`, {
      mode: 0o600,
      flag: "wx",
    });
    log.info({ path }, "generated a new secret");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    log.warn(
      { path, mode: (info.mode & 0o777).toString(8) },
      "secret file was readable by others; set to 0600",
    );
    await chmod(path, 0o600);
  }
  const secret = (await readFile(path, "utf8")).trim();
  if (secret.length < MIN_CHARS) {
    throw new Error(`${path} holds fewer than ${MIN_CHARS} characters; delete it to regenerate`);
  }
  return secret;
}
