import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { ApiClient } from "./api-client.js";
import type { CopyEndpoint } from "./args.js";
import { CliError, EXIT, usageError } from "./errors.js";
import { formatBytes, formatProgressBar, type Spinner } from "./output.js";

/** What one `wrenn sandbox cp` moved. */
export interface CopyResult {
  readonly from: string;
  readonly to: string;
  readonly sizeBytes: number;
}

export interface TransferIo {
  readonly api: ApiClient;
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Progress display; silent unless the terminal shows it. */
  readonly spinner: Spinner;
  /** A terminal shows the progress: worth a request for the total size. */
  readonly showsProgress: boolean;
}

/** Counts bytes as they pass, to drive the progress display. */
function counter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onBytes(total);
      callback(null, chunk);
    },
  });
}

function progressText(verb: string, doneBytes: number, totalBytes: number | null): string {
  return totalBytes === null
    ? `${verb} ${formatBytes(doneBytes)}`
    : `${verb} ${formatProgressBar(doneBytes, totalBytes)}`;
}

function filesPath(sandboxId: string): string {
  return `/v1/sandboxes/${encodeURIComponent(sandboxId)}/files`;
}

/** A directory-like target (empty, or ending in /) gets the source's file name. */
function remoteTarget(path: string, sourceName: string): string {
  if (path === "") return sourceName;
  return path.endsWith("/") ? `${path}${sourceName}` : path;
}

async function upload(
  io: TransferIo,
  source: string,
  target: { sandboxId: string; path: string },
): Promise<CopyResult> {
  const fromStdin = source === "-";
  let totalBytes: number | null = null;
  if (!fromStdin) {
    const info = await stat(source);
    if (info.isDirectory()) throw usageError(`${source} is a directory; cp copies single files`);
    totalBytes = info.size;
  }
  const path = remoteTarget(target.path, fromStdin ? "stdin" : basename(source));
  const input = fromStdin ? io.stdin : createReadStream(source);
  const counted = input.pipe(
    counter((done) => io.spinner.update(progressText("uploading", done, totalBytes))),
  );
  // A read error would otherwise leave the upload waiting for bytes that never come.
  input.once("error", (error: Error) => counted.destroy(error));
  const answer = await io.api.json("PUT", filesPath(target.sandboxId), {
    query: { path },
    body: counted,
  });
  const sizeBytes =
    typeof answer === "object" && answer !== null && "sizeBytes" in answer
      ? Number(answer.sizeBytes)
      : (totalBytes ?? 0);
  const writtenPath =
    typeof answer === "object" && answer !== null && "path" in answer ? String(answer.path) : path;
  return { from: source, to: `${target.sandboxId}:${writtenPath}`, sizeBytes };
}

async function localTarget(path: string, sourceName: string): Promise<string> {
  if (path === "-") return path;
  if (path.endsWith("/")) return join(path, sourceName);
  try {
    return (await stat(path)).isDirectory() ? join(path, sourceName) : path;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return path;
    throw error;
  }
}

/**
 * The file's size from its directory listing, for the progress bar: downloads are chunked,
 * with no content-length. Only asked when a terminal shows progress; if the listing fails
 * (a directory the user may not list), the display shows bytes without a bar and the copy
 * goes on, since the download itself reports any real error.
 */
async function remoteSize(
  io: TransferIo,
  source: { sandboxId: string; path: string },
): Promise<number | null> {
  if (!io.showsProgress) return null;
  const answer = await io.api
    .json("GET", `${filesPath(source.sandboxId)}/list`, {
      query: { path: posix.dirname(source.path) },
    })
    .catch((error: unknown) => {
      io.spinner.update(`size unknown (${error instanceof Error ? error.message : String(error)})`);
      return null;
    });
  if (typeof answer !== "object" || answer === null || !("entries" in answer)) return null;
  const entries = Array.isArray(answer.entries) ? (answer.entries as unknown[]) : [];
  const name = posix.basename(source.path);
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null) continue;
    const { name: entryName, sizeBytes } = entry as Record<string, unknown>;
    if (entryName === name && typeof sizeBytes === "number") return sizeBytes;
  }
  return null;
}

async function download(
  io: TransferIo,
  source: { sandboxId: string; path: string },
  target: string,
): Promise<CopyResult> {
  if (source.path === "") throw usageError("name the file to copy: <sandboxId>:<path>");
  const response = await io.api.raw("GET", filesPath(source.sandboxId), {
    query: { path: source.path },
  });
  if (!response.body) throw new CliError("the download has no body", { exitCode: EXIT.failure });
  const length = Number(response.headers.get("content-length"));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : await remoteSize(io, source);
  const destination = await localTarget(target, posix.basename(source.path));
  let sizeBytes = 0;
  const count = counter((done) => {
    sizeBytes = done;
    io.spinner.update(progressText("downloading", done, totalBytes));
  });
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  // stdout is not ours to close when the copy ends.
  const sink = destination === "-" ? io.stdout : createWriteStream(destination);
  await pipeline(body, count, sink, { end: destination !== "-" });
  return { from: `${source.sandboxId}:${source.path}`, to: destination, sizeBytes };
}

/** Copies one file into or out of a sandbox, streamed both ways (never held whole in memory). */
export async function copy(
  io: TransferIo,
  from: CopyEndpoint,
  to: CopyEndpoint,
): Promise<CopyResult> {
  if (from.kind === "local" && to.kind === "sandbox") return upload(io, from.path, to);
  if (from.kind === "sandbox" && to.kind === "local") return download(io, from, to.path);
  throw usageError(
    "exactly one side of cp must be in a sandbox, written <sandboxId>:<path> (e.g. cl-abc:/tmp/x)",
  );
}
