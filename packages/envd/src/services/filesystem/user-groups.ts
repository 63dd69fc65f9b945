import { readFileSync, statSync } from "node:fs";
import type { User } from "../../users.js";

/**
 * Supplementary groups from /etc/group, which the permission checks need in addition to
 * the primary gid. Re-read when the file's size or mtime moves (useradd in the sandbox).
 */
export function createGroupResolver(path = "/etc/group") {
  let cached: { key: string; members: Map<string, number[]> } | undefined;

  function load(): Map<string, number[]> {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return new Map();
    const key = `${stats.size}:${stats.mtimeMs}`;
    if (cached?.key === key) return cached.members;
    const members = new Map<string, number[]>();
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const [, , gid, list] = line.split(":");
      if (gid === undefined || !list) continue;
      for (const name of list.split(",")) {
        const trimmed = name.trim();
        if (trimmed === "") continue;
        const gids = members.get(trimmed) ?? [];
        gids.push(Number(gid));
        members.set(trimmed, gids);
      }
    }
    cached = { key, members };
    return members;
  }

  return {
    /** Every gid the user belongs to: the primary one and the supplementary ones. */
    groupsOf(user: User): ReadonlySet<number> {
      return new Set([user.gid, ...(load().get(user.name) ?? [])]);
    },
  };
}

export type GroupResolver = ReturnType<typeof createGroupResolver>;
