import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { testWrennDir } from "./wrenn-dir.js";

/** Everything of one sandbox that could outlive it on the host; all empty once it is destroyed. */
export function leftoversOf(sandboxId: string): Record<string, string[]> {
  const runc = execFileSync("runc", ["--root", "/run/wrenn/runc", "list", "-q"], {
    encoding: "utf8",
  })
    .split("\n")
    .filter((id) => id === sandboxId);
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => line.includes(sandboxId));
  const cgroups = ["memory", "cpuacct", "pids", "freezer", "cpu", "devices", "blkio", "cpuset"]
    .map((controller) => `/sys/fs/cgroup/${controller}/wrenn/${sandboxId}`)
    .filter((path) => existsSync(path));
  const files = [
    `${testWrennDir()}/sandboxes/${sandboxId}`,
    `${testWrennDir()}/snapshots/${sandboxId}`,
  ].filter((path) => existsSync(path));
  const processes = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(sandboxId) && !line.includes("ps -eo"));
  const loops = execFileSync("losetup", ["-a"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(sandboxId));
  return { runc, mounts, cgroups, files, processes, loops };
}

export function expectNoLeftovers(sandboxId: string): void {
  const left = leftoversOf(sandboxId);
  const nonEmpty = Object.entries(left).filter(([, items]) => items.length > 0);
  if (nonEmpty.length > 0) {
    throw new Error(
      `sandbox ${sandboxId} left things behind: ${JSON.stringify(Object.fromEntries(nonEmpty))}`,
    );
  }
}

/** Slot resources in use on the host: netns and host veths of wrenn. */
export function slotResources(): { netns: string[]; veths: string[] } {
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith("wrenn-s"));
  const veths = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((name) => /^wrn\d+$/.test(name));
  return { netns, veths };
}

/** The files behind the host's bound loop devices (a disk image still attached shows here). */
export async function loopBackingFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const name of await readdir("/sys/block")) {
    if (!name.startsWith("loop")) continue;
    try {
      files.push((await readFile(`/sys/block/${name}/loop/backing_file`, "utf8")).trim());
    } catch (error) {
      // An unbound loop device has no backing_file.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return files;
}
