import { readFile, realpath } from "node:fs/promises";
import type { Logger } from "pino";
import { exec } from "../exec.js";
import { isErrno } from "./fs-util.js";
import { type MountEntry, parseMountInfo } from "./mountinfo.js";

/** The mounts of the agent's own mount namespace (the host's: runc mounts in its own). */
export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile("/proc/self/mountinfo", "utf8"));
}

/** The path as mountinfo shows it: symlinks resolved. Undefined when it does not exist. */
async function canonicalPath(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

export async function isMounted(path: string): Promise<boolean> {
  const target = await canonicalPath(path);
  if (target === undefined) return false;
  return (await readMounts()).some((entry) => entry.mountPoint === target);
}

/**
 * Unmounts everything mounted on `target` (idempotent: nothing mounted is fine). A busy
 * mount (a process still holding a file, a mount stacked below) is detached lazily with a
 * warning: the caller is tearing down and must not be stuck, and the kernel frees the
 * filesystem once its last user goes.
 */
export async function unmount(
  target: string,
  options: { log: Logger; signal?: AbortSignal },
): Promise<void> {
  const path = await canonicalPath(target);
  if (path === undefined) return;
  // Several mounts can be stacked on one path; each umount removes the top one.
  const stacked = (await readMounts()).filter((entry) => entry.mountPoint === path).length;
  for (let i = 0; i < stacked; i++) {
    try {
      await exec(["umount", path], { signal: options.signal });
    } catch (error) {
      options.signal?.throwIfAborted();
      options.log.warn({ err: error, target: path }, "unmount failed, detaching lazily");
      await exec(["umount", "-l", path], { signal: options.signal });
    }
  }
}
