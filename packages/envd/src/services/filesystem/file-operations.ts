import { lstat, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { User } from "../../users.js";
import { type AccessChecker, WRITE } from "./can-access.js";
import { ensureDir } from "./ensure-dir.js";
import type { EntryInfoReader } from "./entry-info.js";
import { errnoCode, isNotFound } from "./fs-errors.js";
import type { MetadataStore } from "./metadata-store.js";

export interface FileOperationsDeps {
  access: AccessChecker;
  entries: EntryInfoReader;
  metadata: MetadataStore;
}

/** Stat, MakeDir, Move and Remove, each as the given user would see and do it. */
export function createFileOperations(deps: FileOperationsDeps) {
  const { access, entries } = deps;

  async function statEntry(user: User, path: string): Promise<EntryInfo> {
    await access.assertReachable(user, path);
    try {
      return await entries.read(path);
    } catch (error) {
      // "/file.txt/x" does not exist either; exists() should say false, not fail.
      if (errnoCode(error) === "ENOTDIR") {
        throw new ConnectError(
          `path not found: ${path}`,
          Code.NotFound,
          undefined,
          undefined,
          error,
        );
      }
      throw error;
    }
  }

  async function makeDir(user: User, path: string): Promise<EntryInfo> {
    await access.assertReachable(user, path);
    const existing = await stat(path).catch((error: unknown) => {
      if (errnoCode(error) === "ENOENT") return undefined;
      throw error;
    });
    if (existing?.isDirectory()) {
      throw new ConnectError(`directory already exists: ${path}`, Code.AlreadyExists);
    }
    if (existing) {
      throw new ConnectError(
        `path already exists but it is not a directory: ${path}`,
        Code.InvalidArgument,
      );
    }
    await ensureDir(path, user, access);
    return entries.read(path);
  }

  async function move(user: User, source: string, destination: string): Promise<EntryInfo> {
    await access.assertReachable(user, source);
    const moved = await lstat(source);
    await access.assertCanDetach(user, source, moved);
    await access.assertReachable(user, destination);
    await ensureDir(dirname(destination), user, access);
    const replaced = await lstat(destination).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (replaced) await access.assertCanDetach(user, destination, replaced);
    else await access.assertAllowed(user, dirname(destination), WRITE, "write to");
    // Moving a directory to another parent rewrites its "..", which needs write on it.
    if (moved.isDirectory() && dirname(source) !== dirname(destination)) {
      await access.assertAllowed(user, source, WRITE, "move");
    }
    await rename(source, destination);
    return entries.read(destination);
  }

  /** `rm -rf`: a path that does not exist is already removed. */
  async function remove(user: User, path: string): Promise<void> {
    await access.assertReachable(user, path);
    const entry = await lstat(path).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!entry) return;
    await access.assertCanRemoveTree(user, path, entry);
    // A file's metadata record goes with it; records of files inside removed directories
    // are left behind, harmless since they are tied to the inode's birth time.
    const file = entry.isFile() ? await lstat(path, { bigint: true }) : undefined;
    await rm(path, { recursive: true, force: true });
    if (file) await deps.metadata.forget(file);
  }

  return { stat: statEntry, makeDir, move, remove };
}

export type FileOperations = ReturnType<typeof createFileOperations>;
