import { randomUUID } from "node:crypto";
import { existsSync, renameSync, statSync } from "node:fs";
import { mkdir, readdir, rename, rmdir, stat } from "node:fs/promises";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import {
  checkDiskImage,
  DISK_FORMAT,
  type DiskPaths,
  formatDiskImage,
  mountDiskImage,
  removeImage,
} from "./disk.js";
import { isErrno } from "./fs-util.js";
import { isMounted, unmount } from "./mounts.js";

/** A prepared disk: a dir in the pool dir holding its image and, mounted, its mount dir. */
export interface PooledDisk {
  readonly dir: string;
  /** st_dev of the mounted filesystem: tells a take that the disk is still mounted. */
  readonly dev: number;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const READY_NAME = new RegExp(`^(ext4v\\d+)-(\\d+)M-${UUID}$`);
const PARTIAL_NAME = new RegExp(`^partial-(\\d+)-${UUID}$`);
/** Images of the pool's first layout: files, formatted but never mounted. */
const FILE_NAME = new RegExp(`^(?:ext4v\\d+-\\d+M|partial-(\\d+))-${UUID}\\.img$`);
const MIB = 1024 * 1024;

/**
 * The pool's disks, one dir each holding `disk.img` and `disk/` as a sandbox dir does, so a
 * take is one rename of the dir onto the sandbox's (empty) dir: the mount inside moves
 * with it, and renaming the file that backs a loop device is fine too. A dir is named
 * `partial-<pid>-<uuid>` while a process formats and mounts it, `<format>-<size>M-<uuid>`
 * once ready; every change of state is a rename, so several processes can share the pool
 * dir: one wins each claim, and a partial whose pid is gone is known to be abandoned.
 */
export function createDiskPoolDir(deps: { layout: Layout; log: Logger; sizeMiB: number }) {
  const { layout, log, sizeMiB } = deps;
  const readyName = (uuid: string) => `${DISK_FORMAT}-${sizeMiB}M-${uuid}`;
  const partialName = (uuid: string) => `partial-${process.pid}-${uuid}`;

  /** Formats and mounts a new disk; on failure nothing is left of it. */
  async function create(signal: AbortSignal): Promise<PooledDisk> {
    const uuid = randomUUID();
    const partial = layout.diskPoolEntry(partialName(uuid));
    await mkdir(partial, { mode: 0o700 });
    try {
      await formatDiskImage({ image: layout.diskFilesIn(partial).image, sizeMiB, log, signal });
    } catch (error) {
      await discard(partial);
      throw error;
    }
    return mountAsReady(uuid, partial, signal);
  }

  async function mountAsReady(uuid: string, partial: string, signal: AbortSignal) {
    const ready = layout.diskPoolEntry(readyName(uuid));
    try {
      const files = layout.diskFilesIn(partial);
      await mountDiskImage(files, signal);
      const { dev } = await stat(files.upperDir);
      // Named ready only once mounted: a ready disk not mounted was left by a reboot.
      await rename(partial, ready);
      return { dir: ready, dev };
    } catch (error) {
      await discard(partial);
      throw error;
    }
  }

  /**
   * Renames a pooled disk's dir onto `sandboxDir`, which must be empty or not exist yet:
   * "taken"; "claimed" when another process took it first; "busy" when `sandboxDir` cannot
   * be replaced (the disk stays pooled); "unmounted" when the disk lost its mount: its files
   * are then in `sandboxDir`, for `discardFiles`.
   *
   * Synchronous on purpose: two metadata syscalls of a few µs each, where awaiting each one
   * means waiting for a turn of an event loop that the concurrent slot refill's spawns keep
   * busy (2–9 ms measured in the agent).
   */
  function claim(disk: PooledDisk, sandboxDir: string): Claim {
    try {
      renameSync(disk.dir, sandboxDir);
    } catch (error) {
      // ENOENT for a pooled dir still there: the sandbox dir's parent is missing.
      if (isErrno(error, "ENOENT")) return existsSync(disk.dir) ? "busy" : "claimed";
      if (isErrno(error, "ENOTEMPTY") || isErrno(error, "EEXIST")) return "busy";
      throw error;
    }
    const upper = statSync(layout.diskFilesIn(sandboxDir).upperDir, { throwIfNoEntry: false });
    return upper?.dev === disk.dev ? "taken" : "unmounted";
  }

  /** Removes a pooled disk's files and dir; failures are only logged. */
  async function discard(dir: string): Promise<void> {
    await discardFiles(layout.diskFilesIn(dir));
    await bestEffort(dir, () => removeDir(dir));
  }

  /** Unmounts, then removes; no recursive rm, so nothing is deleted across a mount. */
  async function discardFiles(files: DiskPaths): Promise<void> {
    try {
      await unmount(files.mountDir, { log });
    } catch (error) {
      log.warn({ err: error, mountDir: files.mountDir }, "could not unmount a pooled disk, left");
      return;
    }
    await bestEffort(files.mountDir, () => removeDir(files.mountDir));
    await removeImage(files.image, log);
  }

  async function bestEffort(path: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      log.warn({ err: error, path }, "could not remove a pooled disk's dir");
    }
  }

  /**
   * Takes over what earlier runs left: mounted ready disks are kept, unmounted ones mounted
   * again while fewer than minFree are ready and discarded past that; abandoned and
   * obsolete entries go. Entries of live processes are left alone.
   */
  async function adopt(options: { minFree: number; signal: AbortSignal }): Promise<PooledDisk[]> {
    await mkdir(layout.diskPoolDir, { recursive: true, mode: 0o700 });
    const adopted: PooledDisk[] = [];
    const unmounted: string[] = [];
    for (const name of (await readdir(layout.diskPoolDir)).sort()) {
      const path = layout.diskPoolEntry(name);
      const ready = READY_NAME.exec(name);
      const partialPid = PARTIAL_NAME.exec(name)?.[1];
      const file = FILE_NAME.exec(name);
      if (ready !== null && ready[1] === DISK_FORMAT && Number(ready[2]) === sizeMiB) {
        const { mountDir, upperDir } = layout.diskFilesIn(path);
        // Checked after the listing: a dir is named ready only once mounted.
        if (!(await isMounted(mountDir))) unmounted.push(name);
        else {
          const dev = await deviceOf(upperDir);
          if (dev !== undefined) adopted.push({ dir: path, dev });
          else await claimAndDiscard(name);
        }
      } else if (ready !== null) {
        // Another format version or default size.
        await claimAndDiscard(name);
      } else if (partialPid !== undefined) {
        if (isAbandoned(Number(partialPid))) await discard(path);
      } else if (file !== null) {
        if (file[1] === undefined || isAbandoned(Number(file[1]))) await removeImage(path, log);
      } else {
        log.warn({ path }, "unknown entry in the disk pool dir, left alone");
      }
    }
    for (const name of unmounted) {
      options.signal.throwIfAborted();
      if (adopted.length >= options.minFree) await claimAndDiscard(name);
      else {
        const disk = await remount(name, options.signal);
        if (disk !== undefined) adopted.push(disk);
      }
    }
    if (adopted.length > 0) log.info({ ready: adopted.length }, "adopted pooled disks");
    return adopted;
  }

  /** A ready disk left unmounted (a reboot): checked and mounted again, or discarded. */
  async function remount(name: string, signal: AbortSignal): Promise<PooledDisk | undefined> {
    const uuid = name.slice(-36);
    const partial = await claimAsPartial(name);
    if (partial === undefined) return undefined;
    try {
      const { image } = layout.diskFilesIn(partial);
      const sizeBytes = (await stat(image)).size;
      if (sizeBytes !== sizeMiB * MIB) throw new Error(`image is ${sizeBytes} bytes`);
      await checkDiskImage(image, signal);
      return await mountAsReady(uuid, partial, signal);
    } catch (error) {
      await discard(partial);
      signal.throwIfAborted();
      log.warn({ err: error, dir: partial }, "could not mount a pooled disk again, discarded");
      return undefined;
    }
  }

  async function claimAndDiscard(name: string): Promise<void> {
    const partial = await claimAsPartial(name);
    if (partial !== undefined) await discard(partial);
  }

  /** The entry renamed to a partial of this process; undefined when another one took it. */
  async function claimAsPartial(name: string): Promise<string | undefined> {
    const partial = layout.diskPoolEntry(partialName(name.slice(-36)));
    try {
      await rename(layout.diskPoolEntry(name), partial);
      return partial;
    } catch (error) {
      if (isErrno(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  return { create, claim, discardFiles, adopt };
}

export type Claim = "taken" | "claimed" | "busy" | "unmounted";
export type DiskPoolDir = ReturnType<typeof createDiskPoolDir>;

async function deviceOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).dev;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** rmdir, never rm -r: a dir still holding anything (a mount) stays. Gone already is fine. */
async function removeDir(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
  }
}

function isAbandoned(pid: number): boolean {
  // Ours before this process formatted anything: a previous process had the same pid.
  return pid === process.pid || !isProcessAlive(pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return !isErrno(error, "ESRCH");
  }
}
