import {
  appendFile,
  chmod,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import {
  FileNotFoundError,
  type FilesystemEvent,
  FilesystemEventType,
  FileType,
  InvalidArgumentError,
  SandboxError,
} from "e2b";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type FsFixture, healthStatus, startFsSandbox, userTempDir } from "./helpers/fs-fixture.js";

const { CREATE, WRITE, REMOVE, RENAME, CHMOD } = FilesystemEventType;
const wait = { timeout: 5_000, interval: 20 };

/** The inotify watches envd holds (one per watched directory), from /proc. */
async function inotifyWatches(pid: number): Promise<number> {
  let count = 0;
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    if (target !== "anon_inode:inotify") continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, "utf8");
    count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return count;
}

describe("files.watchDir through the e2b SDK", () => {
  let fx: FsFixture;
  let dir: string;
  let removeDir: () => Promise<void>;
  let events: FilesystemEvent[];
  const seen = (name: string, type: FilesystemEventType) =>
    events.some((e) => e.name === name && e.type === type);
  const count = (name: string, type: FilesystemEventType) =>
    events.filter((e) => e.name === name && e.type === type).length;
  const record = (event: FilesystemEvent) => {
    events.push(event);
  };

  beforeAll(async () => {
    fx = await startFsSandbox();
  });
  afterAll(async () => {
    await fx.stop();
  });
  beforeEach(async () => {
    events = [];
    ({ dir, remove: removeDir } = await userTempDir(fx.user));
  });
  afterEach(async () => {
    await removeDir();
  });

  it("reports create, write, chmod, rename and remove", async () => {
    const handle = await fx.sandbox.files.watchDir(dir, record);
    try {
      await writeFile(join(dir, "a.txt"), "hello");
      await vi.waitFor(() => expect(seen("a.txt", CREATE)).toBe(true), wait);
      const writes = count("a.txt", WRITE);
      await appendFile(join(dir, "a.txt"), " more");
      await vi.waitFor(() => expect(count("a.txt", WRITE)).toBeGreaterThan(writes), wait);
      await chmod(join(dir, "a.txt"), 0o600);
      await vi.waitFor(() => expect(seen("a.txt", CHMOD)).toBe(true), wait);
      await rename(join(dir, "a.txt"), join(dir, "b.txt"));
      await vi.waitFor(() => expect(seen("b.txt", CREATE)).toBe(true), wait);
      expect(seen("a.txt", RENAME)).toBe(true);
      expect(seen("a.txt", REMOVE)).toBe(false);
      await rm(join(dir, "b.txt"));
      await vi.waitFor(() => expect(seen("b.txt", REMOVE)).toBe(true), wait);
    } finally {
      await handle.stop();
    }
  });

  it("reports a file written through the SDK as created and written", async () => {
    const handle = await fx.sandbox.files.watchDir(dir, record);
    try {
      await fx.sandbox.files.write(join(dir, "sdk.txt"), "content");
      await vi.waitFor(() => expect(seen("sdk.txt", WRITE)).toBe(true), wait);
      expect(seen("sdk.txt", CREATE)).toBe(true);
      expect(events.some((e) => e.name.includes(".envd-upload-"))).toBe(false);
    } finally {
      await handle.stop();
    }
  });

  it("ignores nested changes unless recursive", async () => {
    await mkdir(join(dir, "sub"));
    const handle = await fx.sandbox.files.watchDir(dir, record);
    try {
      await writeFile(join(dir, "sub", "nested.txt"), "x");
      await writeFile(join(dir, "sentinel.txt"), "x");
      await vi.waitFor(() => expect(seen("sentinel.txt", CREATE)).toBe(true), wait);
      expect(events.some((e) => e.name.startsWith("sub/"))).toBe(false);
    } finally {
      await handle.stop();
    }
  });

  it("follows new, moved and nested directories when recursive", async () => {
    await mkdir(join(dir, "existing"));
    const handle = await fx.sandbox.files.watchDir(dir, record, { recursive: true });
    try {
      await writeFile(join(dir, "existing", "one.txt"), "1");
      await vi.waitFor(() => expect(seen("existing/one.txt", CREATE)).toBe(true), wait);

      await fx.sandbox.files.write(join(dir, "a", "b", "c.txt"), "deep");
      await vi.waitFor(() => expect(seen("a/b/c.txt", CREATE)).toBe(true), wait);
      expect(seen("a", CREATE) && seen("a/b", CREATE)).toBe(true);

      await rename(join(dir, "existing"), join(dir, "moved"));
      await vi.waitFor(() => expect(seen("moved", CREATE)).toBe(true), wait);
      expect(seen("existing", RENAME)).toBe(true);
      await writeFile(join(dir, "moved", "two.txt"), "2");
      await vi.waitFor(() => expect(seen("moved/two.txt", CREATE)).toBe(true), wait);

      await rm(join(dir, "a"), { recursive: true });
      await vi.waitFor(() => expect(seen("a", REMOVE)).toBe(true), wait);
      expect(seen("a/b/c.txt", REMOVE)).toBe(true);
    } finally {
      await handle.stop();
    }
  });

  it("includes entries for create and write, not for remove", async () => {
    const handle = await fx.sandbox.files.watchDir(dir, record, { includeEntry: true });
    try {
      await writeFile(join(dir, "e.txt"), "12345");
      await vi.waitFor(() => expect(seen("e.txt", WRITE)).toBe(true), wait);
      const created = events.find((e) => e.name === "e.txt" && e.type === CREATE);
      expect(created?.entry).toMatchObject({
        name: "e.txt",
        path: join(dir, "e.txt"),
        type: FileType.FILE,
        size: 5,
      });
      await rm(join(dir, "e.txt"));
      await vi.waitFor(() => expect(seen("e.txt", REMOVE)).toBe(true), wait);
      expect(events.find((e) => e.type === REMOVE)?.entry).toBeUndefined();
    } finally {
      await handle.stop();
    }
  });

  it("rejects missing directories, files and directories the user may not read", async () => {
    await writeFile(join(dir, "file.txt"), "x");
    await expect(fx.sandbox.files.watchDir(join(dir, "missing"), record)).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
    await expect(fx.sandbox.files.watchDir(join(dir, "file.txt"), record)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(fx.sandbox.files.watchDir("/root", record)).rejects.toBeInstanceOf(SandboxError);
    expect(await healthStatus(fx.envd)).toBe(204);
  });

  it("ends cleanly when its timeout passes, and releases its watches", async () => {
    const before = await inotifyWatches(fx.envd.process.pid!);
    const exits: (Error | undefined)[] = [];
    await fx.sandbox.files.watchDir(dir, record, {
      timeoutMs: 500,
      onExit: (error) => {
        exits.push(error);
      },
    });
    await vi.waitFor(() => expect(exits).toEqual([undefined]), wait);
    await vi.waitFor(
      async () => expect(await inotifyWatches(fx.envd.process.pid!)).toBe(before),
      wait,
    );
  });

  it("releases its watches when the client stops", async () => {
    await mkdir(join(dir, "x", "y"), { recursive: true });
    const before = await inotifyWatches(fx.envd.process.pid!);
    const handle = await fx.sandbox.files.watchDir(dir, record, { recursive: true });
    expect(await inotifyWatches(fx.envd.process.pid!)).toBe(before + 3);
    await handle.stop();
    await vi.waitFor(
      async () => expect(await inotifyWatches(fx.envd.process.pid!)).toBe(before),
      wait,
    );
  });

  it("sends keepalives at the requested interval", async () => {
    const transport = createConnectTransport({ baseUrl: fx.envd.url, httpVersion: "1.1" });
    const client = createClient(Filesystem, transport);
    const abort = new AbortController();
    const stream = client.watchDir(
      { path: dir },
      {
        headers: { "x-access-token": fx.token, "keepalive-ping-interval": "1" },
        signal: abort.signal,
      },
    );
    const kinds: (string | undefined)[] = [];
    for await (const message of stream) {
      kinds.push(message.event.case);
      if (kinds.length === 2) break;
    }
    abort.abort();
    expect(kinds).toEqual(["start", "keepalive"]);
  });
});
