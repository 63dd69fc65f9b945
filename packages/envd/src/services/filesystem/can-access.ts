import type { Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { User } from "../../users.js";
import { AccessDeniedError, isNotFound } from "./fs-errors.js";
import type { GroupResolver } from "./user-groups.js";

export const READ = 4;
export const WRITE = 2;
export const SEARCH = 1;
const STICKY = 0o1000;

interface Owned {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * envd runs as root but acts for a user, so it checks what the kernel would have checked
 * for that user: the owner, group or other permission bits (never a mix), search
 * permission on each directory on the way, and the sticky bit on removal. Root passes.
 */
export function createAccessChecker(deps: { groups: GroupResolver }) {
  function allows(user: User, owned: Owned, want: number): boolean {
    if (user.uid === 0) return true;
    let bits: number;
    if (owned.uid === user.uid) bits = (owned.mode >> 6) & 7;
    else if (deps.groups.groupsOf(user).has(owned.gid)) bits = (owned.mode >> 3) & 7;
    else bits = owned.mode & 7;
    return (bits & want) === want;
  }

  function deny(user: User, path: string, verb: string): never {
    throw new AccessDeniedError(
      path,
      `permission denied: user '${user.name}' cannot ${verb} ${path}`,
    );
  }

  /** Search permission on every existing directory leading to `path`, as a lookup needs. */
  async function assertReachable(user: User, path: string): Promise<void> {
    if (user.uid === 0) return;
    const real = await deepestExistingDir(dirname(path));
    for (const dir of prefixes(real)) {
      if (!allows(user, await stat(dir), SEARCH)) deny(user, dir, "enter");
    }
  }

  /** Reachability plus `want` on the path itself (symlinks followed). Returns its stats. */
  async function assertAllowed(user: User, path: string, want: number, verb: string) {
    await assertReachable(user, path);
    const real = await realpath(path);
    if (real !== path) await assertReachable(user, real);
    const stats = await stat(real);
    if (!allows(user, stats, want)) deny(user, path, verb);
    return stats;
  }

  /** May the user unlink or rename the entry at `path` (lstat `entry`) out of its directory? */
  async function assertCanDetach(user: User, path: string, entry: Owned): Promise<void> {
    if (user.uid === 0) return;
    const parent = await assertAllowed(user, dirname(path), WRITE | SEARCH, "modify");
    const sticky = (parent.mode & STICKY) !== 0;
    if (sticky && parent.uid !== user.uid && entry.uid !== user.uid) deny(user, path, "remove");
  }

  /** `rm -rf` as the user: detaching the entry and emptying every directory inside it. */
  async function assertCanRemoveTree(user: User, path: string, entry: Stats): Promise<void> {
    if (user.uid === 0) return;
    await assertCanDetach(user, path, entry);
    if (entry.isDirectory()) await assertCanEmpty(user, path, entry);
  }

  async function assertCanEmpty(user: User, dir: string, stats: Stats): Promise<void> {
    if (!allows(user, stats, READ | WRITE | SEARCH)) deny(user, dir, "remove entries of");
    const sticky = (stats.mode & STICKY) !== 0;
    for (const name of await readdir(dir)) {
      const child = join(dir, name);
      const childStats = await lstat(child);
      if (sticky && stats.uid !== user.uid && childStats.uid !== user.uid) {
        deny(user, child, "remove");
      }
      if (childStats.isDirectory()) await assertCanEmpty(user, child, childStats);
    }
  }

  return { allows, assertReachable, assertAllowed, assertCanDetach, assertCanRemoveTree };
}

export type AccessChecker = ReturnType<typeof createAccessChecker>;

/**
 * The real path of the deepest directory that exists on the way to `path`. A file on the
 * way ends the lookup there (ENOTDIR) for the kernel, so its parent is where to stop.
 */
async function deepestExistingDir(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      if ((await stat(real)).isDirectory()) return real;
    } catch (error) {
      if (!isNotFound(error) || current === "/") throw error;
    }
    current = dirname(current);
  }
}

/** "/a/b" → ["/", "/a", "/a/b"]. */
function prefixes(path: string): string[] {
  const parts = path.split("/").filter((part) => part !== "");
  const out = ["/"];
  let current = "";
  for (const part of parts) {
    current = `${current}/${part}`;
    out.push(current);
  }
  return out;
}
