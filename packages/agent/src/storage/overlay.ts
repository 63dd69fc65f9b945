import { mkdir } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { Logger } from "pino";
import { exec } from "../exec.js";
import { isMounted, unmount } from "./mounts.js";

export interface RootfsLayers {
  /** Read-only template layers, top first (a snapshot's layer above the base). */
  readonly lowerDirs: readonly string[];
  /** The sandbox's writable layer; workDir must be an empty dir on the same filesystem. */
  readonly upperDir: string;
  readonly workDir: string;
}

export interface RootfsMount extends RootfsLayers {
  readonly target: string;
}

/**
 * The overlay mount options. Index, redirects and metacopy are pinned off, not left to the
 * kernel's build defaults: with them on, an upper layer records links to the exact lower
 * inodes it was made over, so it could not be remounted over a rebuilt template nor become
 * a snapshot template's layer over another copy of its lowers.
 */
export function overlayOptions(layers: RootfsLayers): string {
  if (layers.lowerDirs.length === 0) throw new Error("an overlay needs at least one lower dir");
  for (const dir of [...layers.lowerDirs, layers.upperDir, layers.workDir]) checkLayerPath(dir);
  return [
    `lowerdir=${layers.lowerDirs.join(":")}`,
    `upperdir=${layers.upperDir}`,
    `workdir=${layers.workDir}`,
    "index=off",
    "redirect_dir=off",
    "metacopy=off",
  ].join(",");
}

// "," separates mount options and ":" lower dirs; overlayfs has escapes for them, but the
// paths come from the layout and never need them, so refusing is simpler and safer.
function checkLayerPath(path: string): void {
  if (!isAbsolute(path)) throw new Error(`overlay layer path must be absolute: ${path}`);
  if (/[,:\\\n]/.test(path)) {
    throw new Error(`overlay layer path contains a "," ":" "\\" or newline: ${path}`);
  }
}

/** Mounts the sandbox's rootfs: template layers read-only below, its own layer on top. */
export async function mountRootfs(mount: RootfsMount & { signal?: AbortSignal }): Promise<void> {
  const options = overlayOptions(mount);
  checkLayerPath(mount.target);
  await mkdir(mount.target, { recursive: true });
  if (await isMounted(mount.target)) throw new Error(`${mount.target} is already mounted`);
  await exec(["mount", "-t", "overlay", "overlay", "-o", options, mount.target], {
    signal: mount.signal,
  });
}

/** Idempotent; a busy rootfs is detached lazily with a warning (see unmount). */
export async function unmountRootfs(
  target: string,
  options: { log: Logger; signal?: AbortSignal },
): Promise<void> {
  await unmount(target, options);
}

/** The rootfs operations as the manager uses them, bound to a logger. */
export function createOverlayRootfs(deps: { log: Logger }) {
  const log = deps.log.child({ component: "agent.storage.overlay" });
  return {
    mount: (mount: RootfsMount, signal?: AbortSignal) => mountRootfs({ ...mount, signal }),
    unmount: (target: string, signal?: AbortSignal) => unmountRootfs(target, { log, signal }),
  };
}

export type OverlayRootfs = ReturnType<typeof createOverlayRootfs>;
