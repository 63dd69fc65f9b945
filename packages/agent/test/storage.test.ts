import { randomUUID } from "node:crypto";
import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  statfs,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  newSandboxId,
  PLATFORM_TEAM_UUID,
  type SandboxId,
  type Uuid,
} from "@wrenn/shared";
import { type Logger, pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostSetupError, runHostSetup } from "../src/host/setup.js";
import { createLayout } from "../src/layout.js";
import {
  ENVD_DIR_TARGET,
  ENVD_NODE_TARGET,
  SANDBOX_INIT_PATH,
} from "../src/storage/base-template.js";
import { formatDiskImage, mountDiskImage } from "../src/storage/disk.js";
import { createDiskPool, type DiskPool } from "../src/storage/disk-pool.js";
import { isMounted, readMounts, unmount } from "../src/storage/mounts.js";
import { mountRootfs, unmountRootfs } from "../src/storage/overlay.js";
import { createTemplateStore, TemplateNotFoundError } from "../src/storage/templates.js";
import { loopBackingFiles } from "./helpers/leaks.js";
import { testWrennDir } from "./helpers/wrenn-dir.js";

const MIB = 1024 * 1024;
const layout = createLayout(testWrennDir());
const logLines: { level: number; msg: string }[] = [];
const log: Logger = pino(
  { level: "debug" },
  {
    write: (line: string) => {
      logLines.push(JSON.parse(line) as { level: number; msg: string });
    },
  },
);
const templates = createTemplateStore({ layout, log });
/** Samples per label, in ms; printed at the end, never asserted on (STYLE: speed is for bench/). */
const timings: Record<string, number[]> = {};
const cleanups: (() => Promise<void>)[] = [];
let pool: DiskPool;
let baseRootfs: string;

function time<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return work().finally(() => {
    timings[label] = [...(timings[label] ?? []), performance.now() - started];
  });
}

/** A sandbox id whose dir (and anything left mounted under it) goes after the test. */
function sandbox(): SandboxId {
  const id = newSandboxId();
  cleanups.push(async () => {
    await unmountRootfs(layout.rootfsDir(id), { log });
    await pool.release(id);
    const left = (await readMounts()).filter((m) => m.mountPoint.startsWith(layout.sandboxDir(id)));
    // Never rm -r across a mount: that would walk into a template or the disk.
    if (left.length > 0) throw new Error(`still mounted: ${left.map((m) => m.mountPoint)}`);
    await rm(layout.sandboxDir(id), { recursive: true, force: true });
  });
  return id;
}

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error("the storage tests need root (mount, mkfs, debootstrap)");
  const lines: string[] = [];
  const base = await time("ensureBaseTemplate (first call)", () =>
    templates.ensureBaseTemplate({
      signal: AbortSignal.timeout(280_000),
      onProgress: (line) => lines.push(line),
    }),
  );
  if (base.built) console.log(`base template built:\n${lines.join("\n")}`);
  console.log(base.built ? `base template built in ${base.durationMs} ms` : "base template reused");
  baseRootfs = base.rootfsDir;
  pool = createDiskPool({ layout, log, minFree: 1 });
}, 300_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await pool?.close();
  const rows = Object.entries(timings).map(([label, ms]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const range = sorted.length > 1 ? `–${sorted.at(-1)?.toFixed(1)}` : "";
    return `  ${label}: ${sorted[0]?.toFixed(1)}${range} ms (n=${sorted.length})`;
  });
  console.log(`storage timings:\n${rows.join("\n")}`);
});

describe("host setup", () => {
  it("runs setup.sh and returns its report, every item present", async () => {
    const report = await time("runHostSetup", () =>
      runHostSetup({ layout, log, signal: AbortSignal.timeout(120_000) }),
    );
    expect(report.some((line) => line.startsWith("overlayfs: "))).toBe(true);
    expect(report.filter((line) => line.includes(": missing: "))).toEqual([]);
  });

  it("refuses to run when the agent is not root", async () => {
    const error = await runHostSetup({ layout, log, uid: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostSetupError);
    expect((error as HostSetupError).code).toBe("unavailable");
    expect((error as Error).message).toMatch(/must run as root.*uid 1000/);
  });
});

describe("templates", () => {
  it("reuses the base template at once when the recipe is unchanged", async () => {
    const before = await stat(baseRootfs);
    const again = await time("ensureBaseTemplate (second call)", () =>
      templates.ensureBaseTemplate(),
    );
    expect(again.built).toBe(false);
    expect((await stat(baseRootfs)).ino).toBe(before.ino);
    const recipe = await readFile(layout.templateRecipe(PLATFORM_TEAM_UUID, "base"), "utf8");
    expect(recipe.trim()).toBe(again.recipeHash);
    const manifest = JSON.parse(
      await readFile(layout.templateManifest(PLATFORM_TEAM_UUID, "base"), "utf8"),
    );
    expect(manifest).toMatchObject({ id: "base", kind: "base", recipeHash: again.recipeHash });
  });

  it("gives the base rootfs a static tini and envd's mount targets", async () => {
    const inside = (path: string) => join(baseRootfs, `.${path}`);
    expect((await stat(inside(SANDBOX_INIT_PATH))).mode & 0o111).not.toBe(0);
    expect((await stat(inside(ENVD_NODE_TARGET))).isFile()).toBe(true);
    expect((await stat(inside(ENVD_DIR_TARGET))).isDirectory()).toBe(true);
    expect((await stat(inside("/home/user"))).uid).toBe(1000);
  });

  it("finishes a base rootfs of the current recipe that has no manifest yet", async () => {
    const scratch = await scratchLayout();
    const rootfs = scratch.templateRootfs(PLATFORM_TEAM_UUID, "base");
    const recipeHash = (await templates.ensureBaseTemplate()).recipeHash;
    await mkdir(join(rootfs, "usr/bin"), { recursive: true });
    await writeFile(join(rootfs, ".wrenn-recipe"), `${recipeHash}\n`);
    await writeFile(join(rootfs, "usr/bin/tini-static"), "", { mode: 0o755 });
    const store = createTemplateStore({ layout: scratch, log, now: () => new Date(0) });
    const result = await store.ensureBaseTemplate();
    expect(result.built).toBe(false);
    expect((await stat(join(rootfs, `.${ENVD_NODE_TARGET}`))).isFile()).toBe(true);
    expect(await store.resolve(randomUUID() as Uuid, "base")).toMatchObject({
      manifest: { createdAt: "1970-01-01T00:00:00.000Z", recipeHash },
    });
  });

  it("refuses to rebuild a base template that a mounted rootfs uses", async () => {
    const scratch = await scratchLayout();
    const rootfs = scratch.templateRootfs(PLATFORM_TEAM_UUID, "base");
    await mkdir(rootfs, { recursive: true });
    await writeFile(join(rootfs, ".wrenn-recipe"), "an-older-recipe\n");
    const layer = join(scratch.root, "layer");
    const target = join(scratch.root, "merged");
    await mkdir(join(layer, "upper"), { recursive: true });
    await mkdir(join(layer, "work"));
    await mountRootfs({
      lowerDirs: [rootfs],
      upperDir: join(layer, "upper"),
      workDir: join(layer, "work"),
      target,
    });
    cleanups.push(() => unmountRootfs(target, { log }));
    const store = createTemplateStore({ layout: scratch, log });
    const error = await store.ensureBaseTemplate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain(target);
  });

  it("resolves base for any team to the platform's rootfs", async () => {
    const team = randomUUID() as Uuid;
    const resolved = await templates.resolve(team, "base");
    expect(resolved).toMatchObject({
      teamId: PLATFORM_TEAM_UUID,
      kind: "base",
      lowerDirs: [baseRootfs],
    });
  });

  it("resolves a team's snapshot template above its lower layers, for that team only", async () => {
    const team = randomUUID() as Uuid;
    const other = randomUUID() as Uuid;
    cleanups.push(() => rm(layout.teamImagesDir(team), { recursive: true, force: true }));
    await mkdir(layout.templateRootfs(team, "tpl-snap"), { recursive: true });
    await writeFile(
      layout.templateManifest(team, "tpl-snap"),
      JSON.stringify({
        id: "tpl-snap",
        kind: "snapshot",
        createdAt: new Date().toISOString(),
        vcpus: 2,
        memoryMiB: 1024,
        lowerLayers: [{ teamId: PLATFORM_TEAM_UUID, templateId: "base" }],
      }),
    );
    const resolved = await templates.resolve(team, "tpl-snap");
    expect(resolved).toMatchObject({ teamId: team, kind: "snapshot", vcpus: 2, memoryMiB: 1024 });
    expect(resolved.lowerDirs).toEqual([layout.templateRootfs(team, "tpl-snap"), baseRootfs]);
    await expect(templates.resolve(other, "tpl-snap")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("answers an unknown template with NotFoundError listing what exists", async () => {
    const error = await templates.resolve(randomUUID() as Uuid, "nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(TemplateNotFoundError);
    expect((error as Error).message).toMatch(/template nope not found; available: .*base/);
    await expect(templates.resolve(PLATFORM_TEAM_UUID, "../base")).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("disks", () => {
  it("limits a sandbox's disk: writing past it fails with ENOSPC, the host is untouched", async () => {
    const id = sandbox();
    const disk = await time("take(64 MiB), not pooled", () =>
      pool.take(64, id, AbortSignal.timeout(30_000)),
    );
    expect(await isMounted(disk.mountDir)).toBe(true);
    const error = await fill(join(disk.upperDir, "fill"), 200);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    const usage = await pool.usage(id);
    expect(usage.totalBytes).toBeLessThanOrEqual(64 * MIB);
    expect(usage.usedBytes).toBeGreaterThan(50 * MIB);
    // The image can never take more of the host than its size.
    expect((await stat(disk.image)).blocks * 512).toBeLessThanOrEqual(65 * MIB);
    const hostFile = join(tmpdir(), `wrenn-storage-${randomUUID()}`);
    await writeFile(hostFile, Buffer.alloc(MIB));
    await rm(hostFile);
  });

  it("releases a disk: nothing stays mounted, no loop device, no files", async () => {
    const id = sandbox();
    const disk = await pool.take(64, id, AbortSignal.timeout(30_000));
    await writeFile(join(disk.upperDir, "data"), "x");
    await time("release(64 MiB)", () => pool.release(id));
    expect(await isMounted(disk.mountDir)).toBe(false);
    expect(
      (await readMounts()).filter((m) => m.mountPoint.startsWith(layout.sandboxDir(id))),
    ).toEqual([]);
    expect(await loopBackingFiles()).not.toContainEqual(
      expect.stringContaining(layout.sandboxDir(id)),
    );
    expect(await readdir(layout.sandboxDir(id))).toEqual([]);
    await pool.release(id); // idempotent
  });

  it("takes a default-size disk from the pool: a rename of its mounted dir", async () => {
    pool.refill();
    await pool.idle();
    expect(pool.readyCount()).toBeGreaterThanOrEqual(1);
    const pooledMountIds = (await readMounts())
      .filter((m) => m.mountPoint.startsWith(`${layout.diskPoolDir}/`))
      .map((m) => m.mountId);
    const id = sandbox();
    const disk = await time("take(20480 MiB) from the pool", () =>
      pool.take(20_480, id, AbortSignal.timeout(30_000)),
    );
    const mount = (await readMounts()).find((m) => m.mountPoint === disk.mountDir);
    expect(pooledMountIds).toContain(mount?.mountId);
    expect(logLines.some((l) => l.msg === "disk taken" && (l as { pooled?: boolean }).pooled)).toBe(
      true,
    );
    const fs = await statfs(disk.mountDir);
    expect(fs.blocks * fs.bsize).toBeGreaterThan(19 * 1024 * MIB);
    await pool.idle(); // the take started a refill
    expect(pool.readyCount()).toBeGreaterThanOrEqual(1);
  });

  it("attaches an existing disk again after it was unmounted (agent restart)", async () => {
    const id = sandbox();
    const disk = await pool.take(64, id, AbortSignal.timeout(30_000));
    await writeFile(join(disk.upperDir, "kept"), "still here");
    await unmount(disk.mountDir, { log });
    expect(await isMounted(disk.mountDir)).toBe(false);
    await time("attach (e2fsck -p + mount)", () => pool.attach(id));
    expect(await readFile(join(disk.upperDir, "kept"), "utf8")).toBe("still here");
  });

  it("measures mkfs and mount of a 20 GiB sparse image", async () => {
    const id = sandbox();
    await mkdir(layout.sandboxDir(id), { recursive: true });
    const paths = {
      image: layout.diskImage(id),
      mountDir: layout.diskMount(id),
      upperDir: layout.upperDir(id),
      workDir: layout.workDir(id),
    };
    await time("mkfs.ext4 20 GiB (truncate + mkfs)", () =>
      formatDiskImage({ image: paths.image, sizeMiB: 20_480, log }),
    );
    await time("mount -o loop (20 GiB)", () => mountDiskImage(paths));
    expect(await isMounted(paths.mountDir)).toBe(true);
    console.log(`20 GiB image: ${((await stat(paths.image)).blocks * 512) / 1024} KiB on the host`);
  });
});

describe("overlay rootfs", () => {
  async function sandboxRootfs() {
    const id = sandbox();
    const disk = await pool.take(64, id, AbortSignal.timeout(30_000));
    const target = layout.rootfsDir(id);
    await time("overlay mount", () =>
      mountRootfs({
        lowerDirs: [baseRootfs],
        upperDir: disk.upperDir,
        workDir: disk.workDir,
        target,
      }),
    );
    return { id, disk, target };
  }

  it("writes land in the upper layer, the template stays untouched", async () => {
    const { disk, target } = await sandboxRootfs();
    expect(await readFile(join(target, "etc/hostname"), "utf8")).toBe("sandbox\n");
    await writeFile(join(target, "etc/hostname"), "changed\n");
    await writeFile(join(target, "home/user/new.txt"), "new");
    await rm(join(target, "etc/debian_version"));
    expect(await readFile(join(disk.upperDir, "etc/hostname"), "utf8")).toBe("changed\n");
    expect(await readFile(join(disk.upperDir, "home/user/new.txt"), "utf8")).toBe("new");
    expect(await readFile(join(baseRootfs, "etc/hostname"), "utf8")).toBe("sandbox\n");
    await expect(stat(join(baseRootfs, "home/user/new.txt"))).rejects.toMatchObject({
      code: "ENOENT",
    });
    await expect(stat(join(baseRootfs, "etc/debian_version"))).resolves.toBeDefined();
  });

  it("keeps two overlays over the same template independent", async () => {
    const a = await sandboxRootfs();
    const b = await sandboxRootfs();
    await writeFile(join(a.target, "tmp/who"), "a");
    await writeFile(join(b.target, "tmp/who"), "b");
    await rm(join(a.target, "etc/hostname"));
    expect(await readFile(join(a.target, "tmp/who"), "utf8")).toBe("a");
    expect(await readFile(join(b.target, "tmp/who"), "utf8")).toBe("b");
    expect(await readFile(join(b.target, "etc/hostname"), "utf8")).toBe("sandbox\n");
  });

  it("gives ENOSPC inside the sandbox when its disk is full", async () => {
    const { target } = await sandboxRootfs();
    const error = await fill(join(target, "tmp/fill"), 200);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  });

  it("detaches a busy rootfs lazily, with a warning", async () => {
    const { target } = await sandboxRootfs();
    const busy = await open(join(target, "etc/os-release"), "r");
    try {
      await unmountRootfs(target, { log });
      expect(await isMounted(target)).toBe(false);
      expect(
        logLines.some((l) => l.level === 40 && l.msg === "unmount failed, detaching lazily"),
      ).toBe(true);
    } finally {
      await busy.close();
    }
  });
});

/** A throwaway WRENN_DIR for template states the real one must not be put in. */
async function scratchLayout() {
  const root = await mkdtemp(join(tmpdir(), "wrenn-storage-"));
  // Registered first, so it runs after the unmounts the test registers later.
  cleanups.push(async () => {
    if ((await readMounts()).some((m) => m.mountPoint.startsWith(root))) {
      throw new Error(`${root} still has mounts`);
    }
    await rm(root, { recursive: true, force: true });
  });
  return createLayout(root);
}

/** Writes 1 MiB chunks until an error or maxMiB; returns the error. */
async function fill(path: string, maxMiB: number): Promise<unknown> {
  const chunk = Buffer.alloc(MIB, 0x5a);
  const file = await open(path, "w");
  try {
    for (let i = 0; i < maxMiB; i++) await file.write(chunk);
    await file.sync();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await file.close();
  }
}
