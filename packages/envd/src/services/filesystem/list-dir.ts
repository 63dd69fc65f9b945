import type { BigIntStats } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { User, UserDirectory } from "../../users.js";
import { type AccessChecker, READ, SEARCH } from "./can-access.js";
import { notADirectory } from "./ensure-dir.js";
import { createOwnerNames, type EntryInfoReader, type OwnerNames } from "./entry-info.js";
import { isNotFound } from "./fs-errors.js";
import type { MetadataReader, MetadataStore } from "./metadata-store.js";

export interface ListDirDeps {
  entries: EntryInfoReader;
  access: AccessChecker;
  metadata: MetadataStore;
  users: UserDirectory;
}

interface Walk {
  user: User;
  maxDepth: number;
  metadata: MetadataReader;
  owners: OwnerNames;
  out: EntryInfo[];
}

/**
 * Every entry under `path` down to `depth` levels (the directory itself excluded), depth
 * first in name order. A symlink given as `path` is followed, but reported paths keep the
 * path as requested; symlinks found inside are listed, not followed.
 */
export async function listDir(
  deps: ListDirDeps,
  user: User,
  path: string,
  depth: number,
): Promise<EntryInfo[]> {
  await deps.access.assertReachable(user, path);
  const real = await realpath(path);
  const stats = await lstat(real, { bigint: true });
  if (!stats.isDirectory()) throw notADirectory(path);
  await deps.access.assertAllowed(user, path, READ | SEARCH, "list");
  const walk: Walk = {
    user,
    maxDepth: Math.max(1, depth),
    metadata: await deps.metadata.view(),
    owners: createOwnerNames(deps.users),
    out: [],
  };
  await walkDir(deps, walk, { dir: real, shown: path, level: 1 });
  return walk.out;
}

async function walkDir(
  deps: ListDirDeps,
  walk: Walk,
  at: { dir: string; shown: string; level: number },
): Promise<void> {
  const names = (await readdir(at.dir)).sort();
  const found = await Promise.all(names.map((name) => lstatIfPresent(join(at.dir, name))));
  for (const [i, name] of names.entries()) {
    const stats = found[i];
    if (!stats) continue;
    const abs = join(at.dir, name);
    const shown = join(at.shown, name);
    const options = { displayPath: shown, metadata: walk.metadata, owners: walk.owners };
    walk.out.push(await deps.entries.fromStats(abs, stats, options));
    // A directory the user may not read is listed but not descended into, as `find` would
    // report it without failing the whole listing.
    if (at.level < walk.maxDepth && stats.isDirectory() && canList(deps, walk.user, stats)) {
      await walkDir(deps, walk, { dir: abs, shown, level: at.level + 1 });
    }
  }
}

function canList(deps: ListDirDeps, user: User, stats: BigIntStats): boolean {
  const owned = { mode: Number(stats.mode), uid: Number(stats.uid), gid: Number(stats.gid) };
  return deps.access.allows(user, owned, READ | SEARCH);
}

async function lstatIfPresent(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (error) {
    // Deleted between readdir and lstat: it is simply no longer part of the listing.
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
