import { lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { EventType, Filesystem } from "@wrenn/proto/envd/filesystem";
import { FileNotFoundError, FileType, InvalidArgumentError, SandboxError } from "e2b";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type FsFixture, healthStatus, startFsSandbox, userTempDir } from "./helpers/fs-fixture.js";

describe("filesystem.Filesystem through the e2b SDK", () => {
  let fx: FsFixture;
  let dir: string;
  let removeDir: () => Promise<void>;

  beforeAll(async () => {
    fx = await startFsSandbox();
  });
  afterAll(async () => {
    await fx.stop();
  });
  beforeEach(async () => {
    ({ dir, remove: removeDir } = await userTempDir(fx.user));
  });
  afterEach(async () => {
    await removeDir();
  });

  it("reports a file's details through getInfo", async () => {
    const file = join(dir, "info.txt");
    await fx.sandbox.files.write(file, "hello");
    const info = await fx.sandbox.files.getInfo(file);
    expect(info).toMatchObject({
      name: "info.txt",
      type: FileType.FILE,
      path: file,
      size: 5,
      mode: 0o644,
      permissions: "-rw-r--r--",
      owner: "user",
      group: "user",
    });
    expect(info.modifiedTime).toBeInstanceOf(Date);
    expect(Math.abs(info.modifiedTime!.getTime() - (await stat(file)).mtimeMs)).toBeLessThan(1);
    expect(info.symlinkTarget).toBeUndefined();

    const dirInfo = await fx.sandbox.files.getInfo(dir);
    expect(dirInfo).toMatchObject({ type: FileType.DIR, permissions: "drwx------", owner: "user" });
  });

  it("reports symlinks with their target", async () => {
    await writeFile(join(dir, "target.txt"), "x");
    await symlink(join(dir, "target.txt"), join(dir, "link"));
    await symlink(join(dir, "nowhere"), join(dir, "dangling"));
    const link = await fx.sandbox.files.getInfo(join(dir, "link"));
    expect(link).toMatchObject({ type: FileType.FILE, symlinkTarget: join(dir, "target.txt") });
    expect(link.permissions.startsWith("L")).toBe(true);
    const dangling = await fx.sandbox.files.getInfo(join(dir, "dangling"));
    expect(dangling).toMatchObject({ type: FileType.SYMLINK, symlinkTarget: join(dir, "nowhere") });
  });

  it("answers exists for present and missing paths", async () => {
    await writeFile(join(dir, "here.txt"), "x");
    expect(await fx.sandbox.files.exists(join(dir, "here.txt"))).toBe(true);
    expect(await fx.sandbox.files.exists(join(dir, "missing.txt"))).toBe(false);
    expect(await fx.sandbox.files.exists(join(dir, "here.txt", "below"))).toBe(false);
    await expect(fx.sandbox.files.getInfo(join(dir, "missing.txt"))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
  });

  it("lists a directory to depth 1 and 2", async () => {
    await mkdir(join(dir, "sub", "deeper"), { recursive: true });
    await writeFile(join(dir, "a.txt"), "a");
    await writeFile(join(dir, "sub", "b.txt"), "bb");
    await writeFile(join(dir, "sub", "deeper", "c.txt"), "ccc");

    const shallow = await fx.sandbox.files.list(dir);
    expect(shallow.map((e) => e.name)).toEqual(["a.txt", "sub"]);
    expect(shallow[0]).toMatchObject({ path: join(dir, "a.txt"), type: FileType.FILE, size: 1 });
    expect(shallow[1]).toMatchObject({ path: join(dir, "sub"), type: FileType.DIR });

    const deep = await fx.sandbox.files.list(dir, { depth: 2 });
    expect(deep.map((e) => e.path)).toEqual([
      join(dir, "a.txt"),
      join(dir, "sub"),
      join(dir, "sub", "b.txt"),
      join(dir, "sub", "deeper"),
    ]);
  });

  it("lists through a symlinked directory but reports the requested path", async () => {
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "f.txt"), "f");
    await symlink(join(dir, "real"), join(dir, "alias"));
    const entries = await fx.sandbox.files.list(join(dir, "alias"));
    expect(entries.map((e) => e.path)).toEqual([join(dir, "alias", "f.txt")]);
  });

  it("resolves relative and ~ paths against the user's home", async () => {
    const home = await fx.sandbox.files.getInfo("~");
    expect(home.path).toBe(fx.user.home);
    expect((await fx.sandbox.files.getInfo("")).path).toBe(fx.user.home);
  });

  it("rejects listing a missing path or a file", async () => {
    await writeFile(join(dir, "file.txt"), "x");
    await expect(fx.sandbox.files.list(join(dir, "missing"))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
    await expect(fx.sandbox.files.list(join(dir, "file.txt"))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it("makes directories with parents, owned by the user, and reports existing ones", async () => {
    const nested = join(dir, "x", "y", "z");
    expect(await fx.sandbox.files.makeDir(nested)).toBe(true);
    for (const path of [join(dir, "x"), join(dir, "x", "y"), nested]) {
      const stats = await stat(path);
      expect(stats.isDirectory()).toBe(true);
      expect([stats.uid, stats.gid]).toEqual([fx.user.uid, fx.user.gid]);
    }
    expect(await fx.sandbox.files.makeDir(nested)).toBe(false);
    await writeFile(join(dir, "plain"), "x");
    await expect(fx.sandbox.files.makeDir(join(dir, "plain"))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it("renames files and creates the destination's parents", async () => {
    await writeFile(join(dir, "old.txt"), "content");
    const entry = await fx.sandbox.files.rename(join(dir, "old.txt"), join(dir, "new", "name.txt"));
    expect(entry).toMatchObject({ name: "name.txt", path: join(dir, "new", "name.txt"), size: 7 });
    expect(await readFile(join(dir, "new", "name.txt"), "utf8")).toBe("content");
    expect((await stat(join(dir, "new"))).uid).toBe(fx.user.uid);
    await expect(
      fx.sandbox.files.rename(join(dir, "old.txt"), join(dir, "again.txt")),
    ).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it("removes files, directories and missing paths", async () => {
    await fx.sandbox.files.write(join(dir, "f.txt"), "x");
    await fx.sandbox.files.write(join(dir, "d", "e", "g.txt"), "x");
    await fx.sandbox.files.remove(join(dir, "f.txt"));
    await fx.sandbox.files.remove(join(dir, "d"));
    await fx.sandbox.files.remove(join(dir, "never-existed"));
    await expect(lstat(join(dir, "f.txt"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(lstat(join(dir, "d"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses what the user may not do, and lets root do it", async () => {
    await expect(fx.sandbox.files.list("/root")).rejects.toThrow(/permission_denied/);
    await expect(fx.sandbox.files.makeDir(join("/root", `wrenn-${Date.now()}`))).rejects.toThrow(
      /permission_denied/,
    );
    await expect(fx.sandbox.files.remove("/root/.bashrc")).rejects.toThrow(/permission_denied/);
    await expect(fx.sandbox.files.getInfo("/root/.profile")).rejects.toBeInstanceOf(SandboxError);
    const asRoot = await fx.sandbox.files.list("/root", { user: "root" });
    expect(Array.isArray(asRoot)).toBe(true);
    expect(await healthStatus(fx.envd)).toBe(204);
  });

  it("respects the sticky bit of /tmp for another user's files", async () => {
    const foreign = join("/tmp", `wrenn-root-owned-${Date.now()}`);
    await writeFile(foreign, "root's");
    try {
      await expect(fx.sandbox.files.remove(foreign)).rejects.toThrow(/permission_denied/);
      await expect(fx.sandbox.files.rename(foreign, join(dir, "stolen"))).rejects.toThrow(
        /permission_denied/,
      );
      expect(await readFile(foreign, "utf8")).toBe("root's");
    } finally {
      await fx.sandbox.files.remove(foreign, { user: "root" });
    }
  });

  it("serves the polling watcher API used by the Python SDK", async () => {
    const transport = createConnectTransport({
      baseUrl: fx.envd.url,
      httpVersion: "1.1",
      interceptors: [
        (next) => (req) => {
          req.header.set("x-access-token", fx.token);
          return next(req);
        },
      ],
    });
    const client = createClient(Filesystem, transport);
    const { watcherId } = await client.createWatcher({ path: dir });
    await writeFile(join(dir, "polled.txt"), "x");
    await vi.waitFor(async () => {
      const { events } = await client.getWatcherEvents({ watcherId });
      expect(events.map((e) => [e.name, e.type])).toContainEqual(["polled.txt", EventType.CREATE]);
    });
    await client.removeWatcher({ watcherId });
    await expect(client.getWatcherEvents({ watcherId })).rejects.toThrow(/not found/);
  });
});
