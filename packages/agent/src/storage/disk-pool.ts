import { mkdir, rm, rmdir, statfs } from "node:fs/promises";
import { ConflictError, NotFoundError, type SandboxId, UnavailableError } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import {
  checkDiskImage,
  checkDiskSize,
  type DiskPaths,
  formatDiskImage,
  mountDiskImage,
  removeImage,
} from "./disk.js";
import { type Claim, createDiskPoolDir, type PooledDisk } from "./disk-pool-dir.js";
import { isErrno, pathExists } from "./fs-util.js";
import { isMounted, unmount } from "./mounts.js";

export const DEFAULT_DISK_MiB = 20_480;
/** How long takes must pause before the pool refills (see refillSoon). */
const REFILL_DELAY_MS = 250;

export interface DiskPoolDeps {
  readonly layout: Layout;
  readonly log: Logger;
  /** Pre-formatted images of the default size kept ready. */
  readonly minFree: number;
  readonly defaultSizeMiB?: number;
}

/**
 * Each sandbox's writable layer lives on its own sparse ext4 image, loop-mounted, so a
 * sandbox that fills its disk gets ENOSPC and the host's filesystems do not notice. Disks
 * of the default size are formatted and mounted ahead of time in the pool dir; taking one
 * is a rename of its dir into place (same filesystem), where a mount took 10–20 ms.
 *
 * Pooled disks stay mounted across restarts and are adopted by the next pool; several
 * processes can share one pool dir (see createDiskPoolDir).
 */
export function createDiskPool(deps: DiskPoolDeps) {
  const { layout, minFree } = deps;
  const log = deps.log.child({ component: "agent.storage.disks" });
  const defaultSizeMiB = deps.defaultSizeMiB ?? DEFAULT_DISK_MiB;
  checkDiskSize(defaultSizeMiB);
  if (!Number.isInteger(minFree) || minFree < 0) {
    throw new Error(`minFree must be a non-negative integer: ${minFree}`);
  }
  const poolDir = createDiskPoolDir({ layout, log, sizeMiB: defaultSizeMiB });
  const ready: PooledDisk[] = [];
  const stop = new AbortController();
  let adopted = false;
  let filling: Promise<void> | undefined;

  const pathsOf = (id: SandboxId): DiskPaths => ({
    image: layout.diskImage(id),
    mountDir: layout.diskMount(id),
    upperDir: layout.upperDir(id),
    workDir: layout.workDir(id),
  });

  /**
   * A pooled disk renamed into place as `sandboxDir`; false when none could be. Its happy
   * path never yields to the event loop (see DiskPoolDir.claim).
   */
  async function takePooled(sandboxDir: string): Promise<boolean> {
    for (let disk = ready.shift(); disk !== undefined; disk = ready.shift()) {
      let claim: Claim;
      try {
        claim = poolDir.claim(disk, sandboxDir);
      } catch (error) {
        ready.unshift(disk); // not renamed: still pooled
        throw error;
      }
      if (claim === "taken") return true;
      if (claim === "busy") {
        ready.unshift(disk);
        return false;
      }
      if (claim === "unmounted") {
        log.warn({ dir: disk.dir }, "pooled disk lost its mount, discarded");
        await poolDir.discardFiles(layout.diskFilesIn(sandboxDir));
      }
      // "claimed": another process sharing the pool dir took it first.
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
    // A sandbox dir holding anything (a disk already) is "busy" for a pooled disk.
    const pooled = sizeMiB === defaultSizeMiB && (await takePooled(layout.sandboxDir(id)));
    if (!pooled) {
      await mkdir(layout.sandboxDir(id), { recursive: true, mode: 0o700 });
      if (await pathExists(paths.image)) {
        throw new ConflictError(`sandbox ${id} already has a disk`);
      }
      await formatDiskImage({ image: paths.image, sizeMiB, log, signal });
      try {
        await mountDiskImage(paths, signal);
      } catch (error) {
        await discard(paths);
        throw error;
      }
    }
    refillSoon();
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

  /** Starts preparing disks in the background until minFree are ready; idempotent. */
  // A burst of creates takes disk after disk: refilling between them would compete with the
  // next create for the CPU, so the refill starts once takes pause for a moment.
  let refillTimer: NodeJS.Timeout | undefined;
  function refillSoon(): void {
    clearTimeout(refillTimer);
    refillTimer = setTimeout(() => {
      refillTimer = undefined;
      refill();
    }, REFILL_DELAY_MS);
  }

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
    if (!adopted) {
      // Pooled disks are renamed into it: a missing parent would make every take "busy".
      await mkdir(layout.sandboxesDir, { recursive: true, mode: 0o700 });
      ready.push(...(await poolDir.adopt({ minFree, signal })));
      adopted = true;
    }
    while (ready.length < minFree) {
      signal.throwIfAborted();
      const started = performance.now();
      const disk = await poolDir.create(signal);
      ready.push(disk);
      const durationMs = Math.round(performance.now() - started);
      log.debug({ dir: disk.dir, durationMs, ready: ready.length }, "pooled disk prepared");
    }
  }

  /** Resolves once no refill is running (a test or a shutdown waits on it). */
  async function idle(): Promise<void> {
    if (refillTimer !== undefined) {
      clearTimeout(refillTimer);
      refillTimer = undefined;
      refill();
    }
    await filling;
  }

  /** Stops refilling and waits for it; ready disks stay mounted for the next start. */
  async function close(): Promise<void> {
    clearTimeout(refillTimer);
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
