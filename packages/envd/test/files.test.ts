import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AuthenticationError,
  FileNotFoundError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  SandboxError,
} from "e2b";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type FsFixture, healthStatus, startFsSandbox, userTempDir } from "./helpers/fs-fixture.js";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

describe("/files through the e2b SDK", () => {
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

  it("writes and reads text, owned by the user", async () => {
    const file = join(dir, "text.txt");
    const info = await fx.sandbox.files.write(file, "héllo wörld");
    expect(info).toEqual({ path: file, name: "text.txt", type: "file" });
    expect(await fx.sandbox.files.read(file)).toBe("héllo wörld");
    const stats = await stat(file);
    expect([stats.uid, stats.gid, stats.mode & 0o777]).toEqual([fx.user.uid, fx.user.gid, 0o644]);
  });

  it("writes and reads bytes, blobs and relative paths", async () => {
    const bytes = randomBytes(4096);
    await fx.sandbox.files.write(join(dir, "b.bin"), new Uint8Array(bytes).buffer);
    const back = await fx.sandbox.files.read(join(dir, "b.bin"), { format: "bytes" });
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back).equals(bytes)).toBe(true);
    const blob = await fx.sandbox.files.read(join(dir, "b.bin"), { format: "blob" });
    expect(blob.size).toBe(4096);

    const relative = await fx.sandbox.files.write("~/wrenn-relative.txt", "r");
    try {
      expect(relative.path).toBe(join(fx.user.home, "wrenn-relative.txt"));
      expect(await fx.sandbox.files.read("wrenn-relative.txt")).toBe("r");
    } finally {
      await fx.sandbox.files.remove(relative.path);
    }
  });

  it("writes a ReadableStream and reads it back as a stream", async () => {
    const chunks = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
    const expected = Buffer.concat(chunks);
    const file = join(dir, "streamed.bin");
    const info = await fx.sandbox.files.write(file, streamOf([...chunks]));
    expect(info.path).toBe(file);
    const stream = await fx.sandbox.files.read(file, { format: "stream" });
    expect(sha256(await drain(stream))).toBe(sha256(expected));
  });

  it("handles empty files", async () => {
    const file = join(dir, "empty.txt");
    await fx.sandbox.files.write(file, "");
    expect((await stat(file)).size).toBe(0);
    expect(await fx.sandbox.files.read(file)).toBe("");
    expect((await fx.sandbox.files.read(file, { format: "bytes" })).length).toBe(0);
  });

  it("round-trips 50 MB intact and streams it without buffering", async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const file = join(dir, "big.bin");
    await fx.sandbox.files.write(
      file,
      data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
    );
    expect(sha256(await readFile(file))).toBe(sha256(data));
    const back = await fx.sandbox.files.read(file, { format: "stream" });
    expect(sha256(await drain(back))).toBe(sha256(data));
    const status = await readFile(`/proc/${fx.envd.process.pid}/status`, "utf8");
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    // envd idles around 60-80 MB; holding 50 MB in memory would push it well past this.
    expect(peakKb / 1024).toBeLessThan(160);
  });

  it("writes several files in one multipart request", async () => {
    const infos = await fx.sandbox.files.write([
      { path: join(dir, "one.txt"), data: "1" },
      { path: join(dir, "nested", "deep", "two.txt"), data: "2" },
    ]);
    expect(infos).toEqual([
      { path: join(dir, "one.txt"), name: "one.txt", type: "file" },
      { path: join(dir, "nested", "deep", "two.txt"), name: "two.txt", type: "file" },
    ]);
    expect(await readFile(join(dir, "nested", "deep", "two.txt"), "utf8")).toBe("2");
    for (const d of [join(dir, "nested"), join(dir, "nested", "deep")]) {
      expect((await stat(d)).uid).toBe(fx.user.uid);
    }
  });

  it("rejects two parts for the same path", async () => {
    const form = new FormData();
    form.append("file", new Blob(["a"]), join(dir, "same.txt"));
    form.append("file", new Blob(["b"]), join(dir, "same.txt"));
    const res = await fetch(`${fx.envd.url}/files`, {
      method: "POST",
      headers: { "x-access-token": fx.token },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 400,
      message: expect.stringContaining("same path"),
    });
  });

  it("writes and reads gzip-encoded bodies", async () => {
    const text = "compress me ".repeat(1000);
    const file = join(dir, "gz.txt");
    await fx.sandbox.files.write(file, text, { gzip: true });
    expect(await readFile(file, "utf8")).toBe(text);
    expect(await fx.sandbox.files.read(file, { gzip: true })).toBe(text);

    const raw = await fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`, {
      headers: { "x-access-token": fx.token, "accept-encoding": "gzip" },
    });
    expect(raw.headers.get("content-encoding")).toBe("gzip");
    expect(await raw.text()).toBe(text); // fetch undoes the gzip encoding
    const plain = await fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`, {
      headers: { "x-access-token": fx.token },
    });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.headers.get("content-length")).toBe(String(text.length));
  });

  it("overwrites files atomically, keeping their mode", async () => {
    const file = join(dir, "script.sh");
    await fx.sandbox.files.write(file, "#!/bin/sh\necho one\n");
    await chmod(file, 0o750);
    await fx.sandbox.files.write(file, "#!/bin/sh\necho two\n");
    expect(await readFile(file, "utf8")).toBe("#!/bin/sh\necho two\n");
    expect((await stat(file)).mode & 0o777).toBe(0o750);
    expect((await readdir(dir)).filter((n) => n.startsWith(".envd-upload-"))).toEqual([]);
  });

  it("stores metadata and returns it in entries", async () => {
    const file = join(dir, "meta.txt");
    const metadata = { Author: "ada", purpose: "test" };
    const info = await fx.sandbox.files.write(file, "m", { metadata });
    const expected = { author: "ada", purpose: "test" };
    expect(info.metadata).toEqual(expected);
    const { dev, ino } = await stat(file, { bigint: true });
    const record = join("/var/lib/envd/metadata", `${dev}-${ino}.json`);
    expect((await fx.sandbox.files.getInfo(file)).metadata).toEqual(expected);
    const [listed] = await fx.sandbox.files.list(dir);
    expect(listed?.metadata).toEqual(expected);
    const moved = await fx.sandbox.files.rename(file, join(dir, "moved.txt"));
    expect(moved.metadata).toEqual(expected);
    // An upload replaces the stored set; without metadata headers that means none.
    await fx.sandbox.files.write(join(dir, "moved.txt"), "again");
    expect((await fx.sandbox.files.getInfo(join(dir, "moved.txt"))).metadata).toBeUndefined();
    await expect(stat(record)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("serves headers, ranges and 416", async () => {
    const file = join(dir, "range.txt");
    await fx.sandbox.files.write(file, "0123456789");
    const url = `${fx.envd.url}/files?path=${encodeURIComponent(file)}`;
    const full = await fetch(url, { headers: { "x-access-token": fx.token } });
    expect(full.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(full.headers.get("content-disposition")).toBe('inline; filename="range.txt"');
    const part = await fetch(url, { headers: { "x-access-token": fx.token, range: "bytes=2-5" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-5/10");
    expect(await part.text()).toBe("2345");
    const tail = await fetch(url, { headers: { "x-access-token": fx.token, range: "bytes=-3" } });
    expect(await tail.text()).toBe("789");
    const beyond = await fetch(url, {
      headers: { "x-access-token": fx.token, range: "bytes=50-" },
    });
    expect(beyond.status).toBe(416);
  });

  it("signs upload and download URLs", async () => {
    const file = join(dir, "signed.txt");
    const form = new FormData();
    form.append("file", new Blob(["signed content"]), file);
    const upload = await fx.sandbox.uploadUrl(file);
    expect(new URL(upload).searchParams.get("signature")).toMatch(/^v1_/);
    expect((await fetch(upload, { method: "POST", body: form })).status).toBe(200);
    const download = await fx.sandbox.downloadUrl(file, { useSignatureExpiration: 60 });
    const res = await fetch(download);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("signed content");

    const expired = await fx.sandbox.downloadUrl(file, { useSignatureExpiration: -10 });
    const late = await fetch(expired);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ message: "signature is already expired" });

    const tampered = new URL(download);
    const sig = tampered.searchParams.get("signature")!;
    tampered.searchParams.set("signature", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    expect((await fetch(tampered)).status).toBe(401);
    const otherPath = new URL(download);
    otherPath.searchParams.set("path", "/etc/shadow");
    expect((await fetch(otherPath)).status).toBe(401);
  });

  it("rejects /files without a token or signature", async () => {
    const file = join(dir, "guarded.txt");
    await writeFile(file, "secret");
    const read = await fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`);
    expect(read.status).toBe(401);
    const write = await fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "overwritten",
    });
    expect(write.status).toBe(401);
    const wrong = await fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`, {
      headers: { "x-access-token": "wrong" },
    });
    expect(wrong.status).toBe(401);
    expect(await readFile(file, "utf8")).toBe("secret");
  });

  it("maps bad reads to the SDK's errors", async () => {
    await expect(fx.sandbox.files.read(join(dir, "missing.txt"))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
    await expect(fx.sandbox.files.read(dir)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fx.sandbox.files.read("/root/.bashrc")).rejects.toThrow(/403/);
    await expect(fx.sandbox.files.read("/etc/shadow")).rejects.toThrow(/403/);
    await expect(
      fx.sandbox.files.read("/etc/hostname", { user: "nobody-here" }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    expect(await healthStatus(fx.envd)).toBe(204);
  });

  it("refuses writes the user may not make", async () => {
    await expect(
      fx.sandbox.files.write(join("/root", `wrenn-${Date.now()}.txt`), "x"),
    ).rejects.toBeInstanceOf(SandboxError);
    await expect(fx.sandbox.files.write("/etc/wrenn-test.txt", "x")).rejects.toThrow(/403/);
    await expect(fx.sandbox.files.write(dir, "x")).rejects.toBeInstanceOf(InvalidArgumentError);
    const rootDir = join(dir, "root-only");
    await mkdir(rootDir, { mode: 0o755 });
    await expect(fx.sandbox.files.write(join(rootDir, "x.txt"), "x")).rejects.toThrow(
      /permission denied/,
    );
    expect(await healthStatus(fx.envd)).toBe(204);
  });

  it("answers malformed uploads with 400 and keeps serving", async () => {
    const post = (headers: Record<string, string>, body: string | Uint8Array, query = "") =>
      fetch(`${fx.envd.url}/files${query}`, {
        method: "POST",
        headers: { "x-access-token": fx.token, ...headers },
        body,
      });
    const target = `?path=${encodeURIComponent(join(dir, "bad.txt"))}`;
    expect((await post({ "content-type": "text/plain" }, "x", target)).status).toBe(400);
    expect((await post({ "content-type": "multipart/form-data" }, "x", target)).status).toBe(400);
    const truncated =
      '--XX\r\ncontent-disposition: form-data; name="file"; filename="a"\r\n\r\nabc';
    expect(
      (await post({ "content-type": "multipart/form-data; boundary=XX" }, truncated, target))
        .status,
    ).toBe(400);
    expect(
      (await post({ "content-type": "multipart/form-data; boundary=XX" }, "--XX--\r\n")).status,
    ).toBe(400);
    expect((await post({ "content-type": "application/octet-stream" }, "no path")).status).toBe(
      400,
    );
    const notGzip = await post(
      { "content-type": "application/octet-stream", "content-encoding": "gzip" },
      "definitely not gzip",
      target,
    );
    expect(notGzip.status).toBe(400);
    expect(
      (
        await post(
          { "content-type": "application/octet-stream", "content-encoding": "br" },
          "x",
          target,
        )
      ).status,
    ).toBe(400);
    const badMeta = await post(
      { "content-type": "application/octet-stream", "x-metadata-k": "v".repeat(5000) },
      "x",
      target,
    );
    expect(badMeta.status).toBe(400);
    expect((await readdir(dir)).filter((n) => n !== "bad.txt")).toEqual([]);
    expect(await healthStatus(fx.envd)).toBe(204);
  });

  it("reports a full disk as 507 and keeps the old file", async () => {
    const small = join(dir, "small");
    await mkdir(small);
    execFileSync("mount", [
      "-t",
      "tmpfs",
      "-o",
      `size=1m,uid=${fx.user.uid},gid=${fx.user.gid}`,
      "tmpfs",
      small,
    ]);
    try {
      const file = join(small, "f.bin");
      await fx.sandbox.files.write(file, "original");
      const big = randomBytes(2 * 1024 * 1024);
      await expect(
        fx.sandbox.files.write(file, big.buffer.slice(big.byteOffset, big.byteOffset + big.length)),
      ).rejects.toBeInstanceOf(NotEnoughSpaceError);
      expect(await readFile(file, "utf8")).toBe("original");
      expect(await readdir(small)).toEqual(["f.bin"]);
      expect(await healthStatus(fx.envd)).toBe(204);
    } finally {
      execFileSync("umount", [small]);
    }
  });

  it("cleans up after a client that aborts mid-upload", async () => {
    const file = join(dir, "aborted.bin");
    const abort = new AbortController();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 4) {
          abort.abort();
          return;
        }
        sent++;
        controller.enqueue(randomBytes(64 * 1024));
      },
    });
    const upload = fetch(`${fx.envd.url}/files?path=${encodeURIComponent(file)}`, {
      method: "POST",
      headers: { "x-access-token": fx.token, "content-type": "application/octet-stream" },
      body,
      duplex: "half",
      signal: abort.signal,
    } as RequestInit);
    await expect(upload).rejects.toThrow();
    await vi.waitFor(async () => expect(await readdir(dir)).toEqual([]));
    expect(await healthStatus(fx.envd)).toBe(204);
  });
});
