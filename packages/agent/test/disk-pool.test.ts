import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSandboxId } from "@wrenn/shared";
import { type Logger, pino } from "pino";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../src/exec.js";
import { createLayout, type Layout } from "../src/layout.js";
import { formatDiskImage, mountDiskImage } from "../src/storage/disk.js";
import { createDiskPool, type DiskPool } from "../src/storage/disk-pool.js";
import { isMounted, readMounts, unmount } from "../src/storage/mounts.js";
import { loopBackingFiles } from "./helpers/leaks.js";

const SIZE_MiB = 64;
const logLines: { level: number; msg: string }[] = [];
const log: Logger = pino(
  { level: "debug" },
  {
    write: (line: string) => {
      logLines.push(JSON.parse(line) as { level: number; msg: string });
    },
  },
);
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("the disk pool tests need root (mount, mkfs)");
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A throwaway WRENN_DIR; everything mounted under it is unmounted after the test. */
async function scratchLayout(): Promise<Layout> {
  const root = await mkdtemp(join(tmpdir(), "wrenn-disk-pool-"));
  cleanups.push(async () => {
    const mounts = (await readMounts()).filter(
      (m) => m.mountPoint === root || m.mountPoint.startsWith(`${root}/`),
    );
    // mountinfo lists a parent before what is mounted under it.
    for (const m of mounts.reverse()) await unmount(m.mountPoint, { log });
    await rm(root, { recursive: true, force: true });
  });
  return createLayout(root);
}

/** A pool over `layout`, closed after the test (before its dir goes). */
function scratchPool(layout: Layout, minFree: number): DiskPool {
  const pool = createDiskPool({ layout, log, minFree, defaultSizeMiB: SIZE_MiB });
  cleanups.push(() => pool.close());
  return pool;
}

async function filled(pool: DiskPool): Promise<DiskPool> {
  pool.refill();
  await pool.idle();
  return pool;
}

/** The pooled disks' mounts: one per disk in the pool dir. */
async function pooledMounts(layout: Layout) {
  return (await readMounts()).filter((m) => m.mountPoint.startsWith(`${layout.diskPoolDir}/`));
}

/** A formatted image mounted in a pool dir entry `name`, as a process that died left it. */
async function leftEntry(layout: Layout, name: string) {
  const dir = layout.diskPoolEntry(name);
  await mkdir(dir);
  const files = layout.diskFilesIn(dir);
  await formatDiskImage({ image: files.image, sizeMiB: SIZE_MiB, log });
  await mountDiskImage(files);
  return files;
}

function takenLine(sandboxId: string) {
  return logLines.find(
    (l) => l.msg === "disk taken" && (l as { sandboxId?: string }).sandboxId === sandboxId,
  );
}

async function deadPid(): Promise<number> {
  const child = spawn("true");
  await once(child, "exit");
  if (child.pid === undefined) throw new Error("true did not start");
  return child.pid;
}

describe("disk pool", () => {
  it("keeps ready disks mounted; a take renames one into place, its mount with it", async () => {
    const layout = await scratchLayout();
    const pool = await filled(scratchPool(layout, 2));
    expect(pool.readyCount()).toBe(2);
    const before = await pooledMounts(layout);
    expect(before.map((m) => m.fsType)).toEqual(["ext4", "ext4"]);

    const id = newSandboxId();
    await mkdir(layout.sandboxDir(id), { recursive: true });
    const disk = await pool.take(SIZE_MiB, id, AbortSignal.timeout(30_000));
    expect(takenLine(id)).toMatchObject({ pooled: true });
    const mount = (await readMounts()).find((m) => m.mountPoint === disk.mountDir);
    // The very mount the pool made: not a second mount of the image.
    expect(before.map((m) => m.mountId)).toContain(mount?.mountId);
    expect((await stat(layout.sandboxDir(id))).mode & 0o777).toBe(0o700);
    expect((await stat(disk.upperDir)).mode & 0o777).toBe(0o755);
    expect((await stat(disk.workDir)).isDirectory()).toBe(true);
    await writeFile(join(disk.upperDir, "data"), "x");
    const loop = mount?.source.replace("/dev/", "");
    const backing = await readFile(`/sys/block/${loop}/loop/backing_file`, "utf8");
    expect(backing.trim()).toBe(disk.image);

    await pool.idle(); // the take started a refill
    const after = await pooledMounts(layout);
    expect(after).toHaveLength(2);
    expect(after.map((m) => m.mountId)).not.toContain(mount?.mountId);
    const entries = await readdir(layout.diskPoolDir);
    expect(entries.filter((n) => n.startsWith(`ext4v1-${SIZE_MiB}M-`))).toHaveLength(2);
    expect(entries).toHaveLength(2);

    await pool.release(id);
    expect(await isMounted(disk.mountDir)).toBe(false);
    expect(await readdir(layout.sandboxDir(id))).toEqual([]);
  });

  it("takes pooled disks when the data dir lies under a shared mount (systemd's /)", async () => {
    const layout = await scratchLayout();
    await exec(["mount", "--bind", layout.root, layout.root]);
    await exec(["mount", "--make-shared", layout.root]);
    const pool = await filled(scratchPool(layout, 1));
    const id = newSandboxId();
    const disk = await pool.take(SIZE_MiB, id, AbortSignal.timeout(30_000));
    expect(await isMounted(disk.mountDir)).toBe(true);
    expect(takenLine(id)).toMatchObject({ pooled: true });
    await pool.release(id);
  });

  it("leaves ready disks mounted on close and adopts them, and what else is left, on start", async () => {
    const layout = await scratchLayout();
    await (await filled(scratchPool(layout, 4))).close();
    const kept = await pooledMounts(layout);
    expect(kept).toHaveLength(4);
    // A reboot unmounted two of them.
    for (const m of kept.slice(0, 2)) await unmount(m.mountPoint, { log });
    // What dead processes left: a partial disk, mounted; a disk of an older format; the
    // files of the pool's first layout. And a live process's partial disk.
    const dead = await deadPid();
    const partial = await leftEntry(layout, `partial-${dead}-${randomUUID()}`);
    const obsolete = await leftEntry(layout, `ext4v0-${SIZE_MiB}M-${randomUUID()}`);
    await writeFile(layout.diskPoolEntry(`ext4v1-${SIZE_MiB}M-${randomUUID()}.img`), "");
    await writeFile(layout.diskPoolEntry(`partial-${dead}-${randomUUID()}.img`), "");
    const live = `partial-1-${randomUUID()}`;
    await mkdir(layout.diskPoolEntry(live));

    const pool = await filled(scratchPool(layout, 3));
    expect(pool.readyCount()).toBe(3);
    const adopted = await pooledMounts(layout);
    // Both still mounted are kept as they are; one of the two unmounted is mounted again.
    expect(adopted).toHaveLength(3);
    expect(adopted.map((m) => m.mountId)).toEqual(
      expect.arrayContaining(kept.slice(2).map((m) => m.mountId)),
    );
    const entries = (await readdir(layout.diskPoolDir)).sort();
    expect(entries.filter((n) => n.startsWith(`ext4v1-${SIZE_MiB}M-`))).toHaveLength(3);
    expect(entries.filter((n) => !n.startsWith(`ext4v1-${SIZE_MiB}M-`))).toEqual([live]);
    expect(entries.filter((n) => n.endsWith(".img"))).toEqual([]);
    const backing = await loopBackingFiles();
    for (const left of [partial, obsolete]) {
      expect(await isMounted(left.mountDir)).toBe(false);
      expect(backing).not.toContain(left.image);
    }

    const id = newSandboxId();
    await pool.take(SIZE_MiB, id, AbortSignal.timeout(30_000));
    expect(takenLine(id)).toMatchObject({ pooled: true });
    await pool.release(id);
  });

  it("discards a pooled disk that lost its mount and formats one on demand", async () => {
    const layout = await scratchLayout();
    const pool = await filled(scratchPool(layout, 1));
    const [pooled] = await pooledMounts(layout);
    await unmount(pooled?.mountPoint ?? "", { log });
    const id = newSandboxId();
    const disk = await pool.take(SIZE_MiB, id, AbortSignal.timeout(30_000));
    expect(await isMounted(disk.mountDir)).toBe(true);
    expect(
      logLines.some((l) => l.level === 40 && l.msg === "pooled disk lost its mount, discarded"),
    ).toBe(true);
    expect(takenLine(id)).toMatchObject({ pooled: false });
    expect((await readdir(layout.sandboxDir(id))).sort()).toEqual(["disk", "disk.img"]);
    await pool.idle();
    expect(await pooledMounts(layout)).toHaveLength(1);
    expect(await readdir(layout.diskPoolDir)).toHaveLength(1);
    await pool.release(id);
  });

  it("leaves the pooled disk alone when the sandbox dir is not empty", async () => {
    const layout = await scratchLayout();
    const pool = await filled(scratchPool(layout, 1));
    const id = newSandboxId();
    await mkdir(layout.sandboxDir(id), { recursive: true });
    await writeFile(layout.sandboxRecord(id), "{}");
    const disk = await pool.take(SIZE_MiB, id, AbortSignal.timeout(30_000));
    expect(takenLine(id)).toMatchObject({ pooled: false });
    expect(await isMounted(disk.mountDir)).toBe(true);
    expect(await readFile(layout.sandboxRecord(id), "utf8")).toBe("{}");
    expect(pool.readyCount()).toBe(1);
    await pool.release(id);
  });
});
