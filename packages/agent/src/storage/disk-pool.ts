import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, stat, statfs } from "node:fs/promises";
import { ConflictError, NotFoundError, type SandboxId, UnavailableError } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import {
  checkDiskImage,
  checkDiskSize,
  DISK_FORMAT,
  type DiskPaths,
  formatDiskImage,
  mountDiskImage,
  removeImage,
} from "./disk.js";
import { isErrno, pathExists } from "./fs-util.js";
import { isMounted, unmount } from "./mounts.js";

export const DEFAULT_DISK_MiB = 20_480;

export interface DiskPoolDeps {
  readonly layout: Layout;
  readonly log: Logger;
  /** Pre-formatted images of the default size kept ready. */
  readonly minFree: number;
  readonly defaultSizeMiB?: number;
}

/**
 * Each sandbox's writable layer lives on its own sparse ext4 image, loop-mounted, so a
 * sandbox that fills its disk gets ENOSPC and the host's filesystems do not notice. Images
 * of the default size are formatted ahead of time into the pool dir; taking one is a rename
 * into the sandbox dir (same filesystem) and a mount.
 *
 * Pool images survive restarts and are adopted by the next pool; images still being
 * formatted are named with the formatting process's pid, so several processes can share
 * one pool dir (a rename claims an image atomically).
 */
export function createDiskPool(deps: DiskPoolDeps) {
  const { layout, minFree } = deps;
  const log = deps.log.child({ component: "agent.storage.disks" });
  const defaultSizeMiB = deps.defaultSizeMiB ?? DEFAULT_DISK_MiB;
  checkDiskSize(defaultSizeMiB);
  if (!Number.isInteger(minFree) || minFree < 0) {
    throw new Error(`minFree must be a non-negative integer: ${minFree}`);
  }
  const readyName = new RegExp(`^${DISK_FORMAT}-${defaultSizeMiB}M-[0-9a-f-]{36}\\.img$`);
  const ready: string[] = [];
  const stop = new AbortController();
  let adopted = false;
  let filling: Promise<void> | undefined;

  const pathsOf = (id: SandboxId): DiskPaths => ({
    image: layout.diskImage(id),
    mountDir: layout.diskMount(id),
    upperDir: layout.upperDir(id),
    workDir: layout.workDir(id),
  });

  /** A pooled image renamed to `image`, or false when the pool is empty. */
  async function claimPooled(image: string): Promise<boolean> {
    for (let pooled = ready.shift(); pooled !== undefined; pooled = ready.shift()) {
      try {
        await rename(pooled, image);
        return true;
      } catch (error) {
        // Another process sharing the pool dir claimed it first.
        if (!isErrno(error, "ENOENT")) throw error;
      }
    }
    return false;
  }

  /** A new, mounted disk for a sandbox; on failure nothing is left of it. */
  async function take(sizeMiB: number, id: SandboxId, signal: AbortSignal): Promise<DiskPaths> {
    if (stop.signal.aborted) throw new UnavailableError("the disk pool is shut down");
    signal.throwIfAborted();
    checkDiskSize(sizeMiB);
    const started = performance.now();
    const paths = pathsOf(id);
    await mkdir(layout.sandboxDir(id), { recursive: true, mode: 0o700 });
    if (await pathExists(paths.image)) throw new ConflictError(`sandbox ${id} already has a disk`);
    const pooled = sizeMiB === defaultSizeMiB && (await claimPooled(paths.image));
    if (!pooled) await formatDiskImage({ image: paths.image, sizeMiB, log, signal });
    try {
      await mountDiskImage(paths, signal);
    } catch (error) {
      await discard(paths);
      throw error;
    }
    refill();
    const durationMs = Math.round(performance.now() - started);
    log.info({ sandboxId: id, sizeMiB, pooled, durationMs }, "disk taken");
    return paths;
  }

  /** Undoes a half-made disk; failures are logged so the original error stays the one thrown. */
  async function discard(paths: DiskPaths): Promise<void> {
    try {
      await unmount(paths.mountDir, { log });
    } catch (error) {
      log.warn({ err: error, mountDir: paths.mountDir }, "could not unmount a half-made disk");
    }
    await removeImage(paths.image, log);
  }

  /** Mounts a sandbox's existing disk again (agent restart, resume); idempotent. */
  async function attach(id: SandboxId, signal?: AbortSignal): Promise<DiskPaths> {
    const paths = pathsOf(id);
    if (!(await isMounted(paths.mountDir))) {
      if (!(await pathExists(paths.image))) throw new NotFoundError("disk of sandbox", id);
      await checkDiskImage(paths.image, signal);
    }
    await mountDiskImage(paths, signal);
    return paths;
  }

  /**
   * Unmounts a sandbox's disk and keeps its image (pause): `attach` mounts it again.
   * Idempotent. The rootfs overlay on top must be unmounted first.
   */
  async function detach(id: SandboxId, signal?: AbortSignal): Promise<void> {
    await unmount(pathsOf(id).mountDir, { log, signal });
    log.debug({ sandboxId: id }, "disk detached");
  }

  /**
   * Unmounts and deletes a sandbox's disk; idempotent. The rootfs overlay on top must be
   * unmounted first, or the disk can only be detached lazily.
   */
  async function release(id: SandboxId, signal?: AbortSignal): Promise<void> {
    const paths = pathsOf(id);
    await unmount(paths.mountDir, { log, signal });
    // After a lazy detach the loop device keeps the deleted file until its last user goes.
    await rm(paths.image, { force: true });
    try {
      await rmdir(paths.mountDir);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
    log.info({ sandboxId: id }, "disk released");
  }

  async function usage(id: SandboxId): Promise<{ usedBytes: number; totalBytes: number }> {
    const { mountDir } = pathsOf(id);
    // statfs of an unmounted dir would report the host's filesystem.
    if (!(await isMounted(mountDir))) throw new NotFoundError("mounted disk of sandbox", id);
    const fs = await statfs(mountDir);
    return { usedBytes: (fs.blocks - fs.bfree) * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  }

  /** Starts formatting images in the background until minFree are ready; idempotent. */
  function refill(): void {
    if (filling !== undefined || stop.signal.aborted) return;
    filling = fill(stop.signal)
      .catch((error: unknown) => {
        if (stop.signal.aborted) log.info({ err: error }, "disk pool refill stopped by shutdown");
        // The next take starts another refill; until then takes format on demand.
        else log.error({ err: error }, "disk pool refill failed");
      })
      .finally(() => {
        filling = undefined;
      });
  }

  async function fill(signal: AbortSignal): Promise<void> {
    await mkdir(layout.diskPoolDir, { recursive: true, mode: 0o700 });
    if (!adopted) {
      await adopt();
      adopted = true;
    }
    while (ready.length < minFree) {
      signal.throwIfAborted();
      const started = performance.now();
      const uuid = randomUUID();
      const partial = layout.diskPoolImage(`partial-${process.pid}-${uuid}.img`);
      const image = layout.diskPoolImage(`${DISK_FORMAT}-${defaultSizeMiB}M-${uuid}.img`);
      await formatDiskImage({ image: partial, sizeMiB: defaultSizeMiB, log, signal });
      try {
        await rename(partial, image);
      } catch (error) {
        await removeImage(partial, log);
        throw error;
      }
      ready.push(image);
      const durationMs = Math.round(performance.now() - started);
      log.debug({ image, durationMs, ready: ready.length }, "pooled disk formatted");
    }
  }

  /** Takes over the images a previous run left; drops partial and obsolete ones. */
  async function adopt(): Promise<void> {
    for (const name of (await readdir(layout.diskPoolDir)).sort()) {
      const path = layout.diskPoolImage(name);
      if (readyName.test(name)) {
        const size = (await stat(path)).size;
        if (size === defaultSizeMiB * 1024 * 1024) ready.push(path);
        else await removeImage(path, log);
      } else if (isAbandonedPartial(name) || /^ext4v\d+-\d+M-.*\.img$/.test(name)) {
        // Partial: its formatter died. Otherwise another format version or default size.
        await removeImage(path, log);
      } else if (!/^partial-\d+-/.test(name)) {
        log.warn({ path }, "unknown file in the disk pool dir, left alone");
      }
    }
    if (ready.length > 0) log.info({ ready: ready.length }, "adopted pooled disks");
  }

  /** Resolves once no refill is running (a test or a shutdown waits on it). */
  async function idle(): Promise<void> {
    await filling;
  }

  /** Stops refilling and waits for it; ready images stay on disk for the next start. */
  async function close(): Promise<void> {
    stop.abort(new UnavailableError("the disk pool is shut down"));
    await filling;
  }

  return {
    take,
    attach,
    detach,
    release,
    usage,
    refill,
    idle,
    close,
    readyCount: () => ready.length,
  };
}

export type DiskPool = ReturnType<typeof createDiskPool>;

function isAbandonedPartial(name: string): boolean {
  const pid = /^partial-(\d+)-/.exec(name)?.[1];
  if (pid === undefined) return false;
  // Ours before this process formatted anything: a previous process had the same pid.
  return Number(pid) === process.pid || !isProcessAlive(Number(pid));
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
