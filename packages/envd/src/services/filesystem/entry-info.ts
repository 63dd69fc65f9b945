import type { BigIntStats } from "node:fs";
import { lstat, readlink, realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { type EntryInfo, EntryInfoSchema, FileType } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../../users.js";
import { isNotFound } from "./fs-errors.js";
import type { MetadataReader, MetadataStore } from "./metadata-store.js";
import { formatPermissions } from "./permissions-string.js";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export interface EntryInfoOptions {
  /** The path to report (and take the name from) when it differs from the one stat'ed. */
  displayPath?: string;
  /** A reader shared by many lookups (ListDir); defaults to the store itself. */
  metadata?: MetadataReader;
  /** Memoised uid/gid names shared by many lookups. */
  owners?: OwnerNames;
}

export function createEntryInfoReader(deps: { users: UserDirectory; metadata: MetadataStore }) {
  /** lstat → EntryInfo. A missing path rejects with the fs error (ENOENT). */
  async function read(path: string, options: EntryInfoOptions = {}): Promise<EntryInfo> {
    return fromStats(path, await lstat(path, { bigint: true }), options);
  }

  /**
   * Like infra's envd: a symlink reports its target's type and permission bits (the
   * `permissions` string keeps the link's own `L`), and `symlinkTarget` is the fully
   * resolved target. A dangling link, which infra reports as "unspecified" (and the SDK
   * then drops from listings), is reported as a symlink instead.
   */
  async function fromStats(
    path: string,
    stats: BigIntStats,
    options: EntryInfoOptions = {},
  ): Promise<EntryInfo> {
    const mode = Number(stats.mode);
    const owners = options.owners ?? createOwnerNames(deps.users);
    let type = fileTypeOf(mode);
    let permissionBits = mode & 0o777;
    let symlinkTarget: string | undefined;
    if ((mode & S_IFMT) === S_IFLNK) {
      const target = await resolveSymlink(path);
      symlinkTarget = target.path;
      if (target.mode !== undefined) {
        type = fileTypeOf(target.mode);
        permissionBits = target.mode & 0o777;
      } else {
        type = FileType.SYMLINK;
      }
    }
    const readMetadata = options.metadata ?? deps.metadata.read;
    const shown = options.displayPath ?? path;
    return create(EntryInfoSchema, {
      name: basename(shown) || shown,
      type,
      path: shown,
      size: stats.size,
      mode: permissionBits,
      permissions: formatPermissions(mode),
      owner: owners.user(Number(stats.uid)),
      group: owners.group(Number(stats.gid)),
      modifiedTime: timestampFromNs(stats.mtimeNs),
      symlinkTarget,
      metadata: (mode & S_IFMT) === S_IFREG ? await readMetadata(stats) : {},
    });
  }

  return { read, fromStats };
}

export type EntryInfoReader = ReturnType<typeof createEntryInfoReader>;

export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** uid/gid → name, memoised for the life of one request. */
export function createOwnerNames(users: UserDirectory): OwnerNames {
  const memo = (lookup: (id: number) => string) => {
    const names = new Map<number, string>();
    return (id: number) => {
      const known = names.get(id);
      if (known !== undefined) return known;
      const name = lookup(id);
      names.set(id, name);
      return name;
    };
  };
  return { user: memo(users.userName), group: memo(users.groupName) };
}

export function fileTypeOf(mode: number): FileType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileType.FILE;
    case S_IFDIR:
      return FileType.DIRECTORY;
    case S_IFLNK:
      return FileType.SYMLINK;
    default:
      return FileType.UNSPECIFIED;
  }
}

export function timestampFromNs(ns: bigint): Timestamp {
  return create(TimestampSchema, {
    seconds: ns / 1_000_000_000n,
    nanos: Number(ns % 1_000_000_000n),
  });
}

async function resolveSymlink(path: string): Promise<{ path: string; mode?: number }> {
  try {
    const resolved = await realpath(path);
    return { path: resolved, mode: (await stat(resolved)).mode };
  } catch (error) {
    // Dangling or cyclic: the link's own text is still worth reporting.
    if (!isNotFound(error) && (error as { code?: string }).code !== "ELOOP") throw error;
    return { path: await readlink(path) };
  }
}
