import { readFileSync } from "node:fs";

export interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

interface Databases {
  readonly byName: Map<string, User>;
  readonly byUid: Map<number, string>;
  readonly groupByGid: Map<number, string>;
}

/**
 * Reads /etc/passwd and /etc/group. They change rarely but can change (useradd in the
 * sandbox), so they are re-read when their size or mtime moves.
 */
export function createUserDirectory(root = "/etc") {
  let cached: { key: string; db: Databases } | undefined;

  function load(): Databases {
    const passwd = readFileSync(`${root}/passwd`, "utf8");
    const group = safeRead(`${root}/group`);
    const key = `${passwd.length}:${hash(passwd)}:${group.length}`;
    if (cached?.key === key) return cached.db;
    const byName = new Map<string, User>();
    const byUid = new Map<number, string>();
    for (const line of passwd.split("\n")) {
      const [name, , uid, gid, , home, shell] = line.split(":");
      if (!name || uid === undefined || gid === undefined) continue;
      const user = {
        name,
        uid: Number(uid),
        gid: Number(gid),
        home: home || "/",
        shell: shell || "/bin/sh",
      };
      byName.set(name, user);
      if (!byUid.has(user.uid)) byUid.set(user.uid, name);
    }
    const groupByGid = new Map<number, string>();
    for (const line of group.split("\n")) {
      const [name, , gid] = line.split(":");
      if (name && gid !== undefined && !groupByGid.has(Number(gid)))
        groupByGid.set(Number(gid), name);
    }
    cached = { key, db: { byName, byUid, groupByGid } };
    return cached.db;
  }

  return {
    lookup(name: string): User | undefined {
      return load().byName.get(name);
    },
    userName(uid: number): string {
      return load().byUid.get(uid) ?? String(uid);
    },
    groupName(gid: number): string {
      return load().groupByGid.get(gid) ?? String(gid);
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    // A system without /etc/group still has numeric gids; names fall back to numbers.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}
