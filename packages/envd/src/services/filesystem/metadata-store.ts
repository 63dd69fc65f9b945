import { randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../log.js";
import { errnoCode } from "./fs-errors.js";

/** Where user metadata lives; root-only, outside any user's home. */
export const DEFAULT_METADATA_DIR = "/var/lib/envd/metadata";

export type FileMetadata = Record<string, string>;

interface StoredMetadata {
  birthNs: string;
  metadata: FileMetadata;
}

/** The identity of a file for metadata purposes (bigint lstat/stat of it). */
export type FileIdentity = Pick<BigIntStats, "dev" | "ino" | "birthtimeNs">;

/**
 * E2B keeps upload metadata in `user.e2b.*` xattrs; Node has no xattr API, so it is kept
 * beside the filesystem, one small JSON file per inode. Like an xattr it follows the inode
 * through renames. The birth time guards against a reused inode number inheriting the
 * metadata of a deleted file.
 */
export function createMetadataStore(deps: { dir: string; log: Logger }) {
  const fileOf = (id: FileIdentity) => join(deps.dir, `${id.dev}-${id.ino}.json`);

  async function read(id: FileIdentity): Promise<FileMetadata> {
    let raw: string;
    try {
      raw = await readFile(fileOf(id), "utf8");
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return {};
      throw error;
    }
    const stored = parse(raw);
    if (!stored) {
      deps.log.warn({ file: fileOf(id) }, "ignoring unreadable metadata record");
      return {};
    }
    return stored.birthNs === String(id.birthtimeNs) ? stored.metadata : {};
  }

  /** Replaces the whole set, as an upload does; an empty set removes the record. */
  async function write(id: FileIdentity, metadata: FileMetadata): Promise<void> {
    const target = fileOf(id);
    if (Object.keys(metadata).length === 0) {
      await rm(target, { force: true });
      return;
    }
    await mkdir(deps.dir, { recursive: true, mode: 0o700 });
    const record: StoredMetadata = { birthNs: String(id.birthtimeNs), metadata };
    const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temp, JSON.stringify(record), { mode: 0o600 });
    await rename(temp, target);
  }

  /** Drops the record of a file that is being deleted or replaced. */
  async function forget(id: FileIdentity): Promise<void> {
    await rm(fileOf(id), { force: true });
  }

  /**
   * For listing many entries: one readdir of the store instead of one failed open per
   * entry, since most files carry no metadata.
   */
  async function view(): Promise<MetadataReader> {
    let names: Set<string>;
    try {
      names = new Set(await readdir(deps.dir));
    } catch (error) {
      if (errnoCode(error) !== "ENOENT") throw error;
      names = new Set();
    }
    return (id) => (names.has(`${id.dev}-${id.ino}.json`) ? read(id) : Promise.resolve({}));
  }

  return { read, write, forget, view };
}

export type MetadataStore = ReturnType<typeof createMetadataStore>;
export type MetadataReader = (id: FileIdentity) => Promise<FileMetadata>;

function parse(raw: string): StoredMetadata | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null) return undefined;
    const { birthNs, metadata } = value as Record<string, unknown>;
    if (typeof birthNs !== "string" || typeof metadata !== "object" || metadata === null) {
      return undefined;
    }
    const entries = Object.entries(metadata).filter(([, v]) => typeof v === "string");
    return { birthNs, metadata: Object.fromEntries(entries) as FileMetadata };
  } catch {
    // A torn or hand-edited record reads as "no metadata"; the caller logs it.
    return undefined;
  }
}
