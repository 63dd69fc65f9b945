import type { BigIntStats } from "node:fs";
import { type FileHandle, lstat, open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import type { Logger } from "../log.js";
import { type AccessChecker, SEARCH, WRITE } from "../services/filesystem/can-access.js";
import { ensureDir } from "../services/filesystem/ensure-dir.js";
import { isNotFound } from "../services/filesystem/fs-errors.js";
import type { FileMetadata, MetadataStore } from "../services/filesystem/metadata-store.js";
import { uploadTempName } from "../services/filesystem/upload-temp.js";
import type { User } from "../users.js";
import { HttpError } from "./respond.js";

/**
 * Received bytes that may wait in memory while a write is in flight before the upload is
 * paused: enough that the socket keeps filling while the disk works, bounded per upload.
 */
const QUEUE_HIGH_BYTES = 4 << 20;

export interface WriteDeps {
  access: AccessChecker;
  metadata: MetadataStore;
  log: Logger;
}

export interface Upload {
  /** Resolved destination, as reported back. */
  target: string;
  source: Readable;
  user: User;
  metadata: FileMetadata;
}

/** One element of the upload reply. */
export interface WriteInfo {
  path: string;
  name: string;
  type: "file";
  metadata?: FileMetadata;
}

/**
 * Streams `source` into a temp file beside the destination, owned by the user, and renames
 * it over the destination: readers never see a half-written file and a failed upload
 * leaves the old one intact. A symlink at the destination is written through, like an
 * in-place write. The source is never destroyed, so the caller can drain it on failure.
 */
export async function writeUploadedFile(deps: WriteDeps, upload: Upload): Promise<WriteInfo> {
  const { target, user } = upload;
  await deps.access.assertReachable(user, target);
  const destination = await followSymlink(target);
  const existing = await statIfPresent(destination);
  if (existing?.isDirectory()) throw new HttpError(400, `path is a directory: ${target}`);
  await ensureDir(dirname(destination), user, deps.access);
  if (existing) await deps.access.assertAllowed(user, destination, WRITE, "write to");
  else
    await deps.access.assertAllowed(user, dirname(destination), WRITE | SEARCH, "create files in");

  const temp = join(dirname(destination), uploadTempName());
  const handle = await open(temp, "wx", 0o644);
  let renamed = false;
  try {
    await handle.chown(user.uid, user.gid);
    if (existing) await handle.chmod(Number(existing.mode) & 0o777);
    await copyInto(upload.source, handle);
    if (Object.keys(upload.metadata).length > 0) {
      await deps.metadata.write(await handle.stat({ bigint: true }), upload.metadata);
    }
    await rename(temp, destination);
    renamed = true;
    if (existing) await deps.metadata.forget(existing);
  } finally {
    await handle.close();
    if (!renamed) await removeTemp(deps.log, temp);
  }
  const metadata = Object.keys(upload.metadata).length > 0 ? { metadata: upload.metadata } : {};
  return { path: target, name: basename(target), type: "file", ...metadata };
}

/**
 * Writes the source into the file as it streams in. Chunks queue while one writev is in
 * flight and the next writev takes all of them: the socket and the disk work at the same
 * time, syscalls stay few, and no chunk is awaited, copied or concatenated on its own. The
 * source is paused only while more than QUEUE_HIGH_BYTES wait. On failure its listeners are
 * removed and the source is left as it is, for the caller to drain.
 */
function copyInto(source: Readable, handle: FileHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    let queue: Buffer[] = [];
    let queuedBytes = 0;
    let writing = false;
    let ended = false;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", settle);
      source.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const pump = () => {
      if (writing || settled) return;
      if (queue.length === 0) {
        if (ended) settle();
        return;
      }
      const buffers = queue;
      queue = [];
      queuedBytes = 0;
      writing = true;
      if (!ended && source.isPaused()) source.resume();
      writeAll(handle, buffers).then(() => {
        writing = false;
        pump();
      }, settle);
    };
    const onData = (chunk: unknown) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      queue.push(buffer);
      queuedBytes += buffer.length;
      if (queuedBytes >= QUEUE_HIGH_BYTES) source.pause();
      pump();
    };
    const onEnd = () => {
      ended = true;
      pump();
    };
    // A source destroyed before its end (client gone) emits close, maybe without an error.
    const onClose = () => {
      if (!ended) settle(prematureClose());
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", settle);
    source.once("close", onClose);
    // Gone before we got here (the client left during the checks): no event will come.
    if (source.destroyed) settle(source.errored ?? prematureClose());
  });
}

function prematureClose(): Error {
  return Object.assign(new Error("the upload ended before its body did"), {
    code: "ERR_STREAM_PREMATURE_CLOSE",
  });
}

async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    pending = skipBytes(pending, bytesWritten);
  }
}

/** What is left of `buffers` after a short write of `count` bytes. */
function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (left >= buffer.length) {
      left -= buffer.length;
      continue;
    }
    rest.push(left > 0 ? buffer.subarray(left) : buffer);
    left = 0;
  }
  return rest;
}

async function followSymlink(path: string): Promise<string> {
  const link = await lstat(path).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!link?.isSymbolicLink()) return path;
  // A dangling link is replaced rather than followed into a directory that may not exist.
  return realpath(path).catch((error: unknown) => {
    if (isNotFound(error)) return path;
    throw error;
  });
}

async function statIfPresent(path: string): Promise<BigIntStats | undefined> {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function removeTemp(log: Logger, temp: string): Promise<void> {
  try {
    await rm(temp, { force: true });
  } catch (error) {
    log.warn({ err: error, temp }, "could not remove the temp file of a failed upload");
  }
}
