import { chown, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { User } from "../../users.js";
import { type AccessChecker, SEARCH, WRITE } from "./can-access.js";
import { errnoCode } from "./fs-errors.js";

/**
 * `mkdir -p` on behalf of `user`: the deepest existing ancestor must be writable by the
 * user, and every directory created is chowned to them. Returns the directories created,
 * outermost first.
 */
export async function ensureDir(
  path: string,
  user: User,
  access: AccessChecker,
): Promise<string[]> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    const stats = await stat(current).catch((error: unknown) => {
      if (errnoCode(error) === "ENOENT") return undefined;
      throw error;
    });
    if (stats) {
      if (!stats.isDirectory()) throw notADirectory(current);
      break;
    }
    missing.push(current);
    current = dirname(current);
  }
  if (missing.length === 0) return [];
  await access.assertAllowed(user, current, WRITE | SEARCH, "create directories in");
  missing.reverse();
  for (const dir of missing) {
    try {
      await mkdir(dir, 0o755);
    } catch (error) {
      // Someone else created it meanwhile; a file in its place fails on the next level.
      if (errnoCode(error) === "EEXIST") continue;
      throw error;
    }
    await chown(dir, user.uid, user.gid);
  }
  return missing;
}

export function notADirectory(path: string): Error {
  return Object.assign(new Error(`not a directory: ${path}`), { code: "ENOTDIR" });
}
