import { createReadStream, open, type Stats } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip } from "node:zlib";
import { resolvePath } from "../paths.js";
import { READ } from "../services/filesystem/can-access.js";
import { authorizeFileRequest } from "./files-auth.js";
import { contentDisposition, contentTypeFor } from "./files-content-type.js";
import { type FilesContext, fileUser, requestHeader } from "./files-context.js";
import { chooseResponseEncoding } from "./files-encoding.js";
import { sendFileError } from "./files-errors.js";
import { parseRange } from "./files-range.js";
import { HttpError, type HttpHandler, type Request, type Response } from "./respond.js";

/** Big reads: fewer syscalls and socket writes per byte. */
const READ_CHUNK_BYTES = 1 << 20;

/** A plain descriptor, owned and closed by the read stream: no promise per chunk read. */
const openDescriptor = promisify(open);

/** GET /files: streams a file to the user allowed to read it (ranges and gzip supported). */
export function createDownloadHandler(context: FilesContext): HttpHandler {
  return async (req, res, url) => {
    let path: string | undefined;
    try {
      authorizeFileRequest({
        state: context.state,
        accessTokenHeader: requestHeader(req, "x-access-token"),
        url,
        operation: "read",
      });
      const user = fileUser(context, url);
      path = resolvePath(url.searchParams.get("path") ?? "", user, context.state.defaultWorkdir);
      const stats = await context.access.assertAllowed(user, path, READ, "read");
      if (stats.isDirectory()) throw new HttpError(400, `path '${path}' is a directory`);
      if (!stats.isFile()) throw new HttpError(400, `path '${path}' is not a regular file`);
      await sendFile(req, res, { path, stats });
    } catch (error) {
      if (isClientGone(error)) {
        context.log.debug({ path }, "client went away during download");
        return;
      }
      sendFileError(res, error, { log: context.log, path });
    }
  };
}

async function sendFile(
  req: Request,
  res: Response,
  file: { path: string; stats: Stats },
): Promise<void> {
  const { path, stats } = file;
  const rangeHeader = requestHeader(req, "range");
  // Ranges address the file's own bytes, so they are always served uncompressed.
  const encoding =
    rangeHeader === undefined
      ? chooseResponseEncoding(requestHeader(req, "accept-encoding"))
      : "identity";
  if (encoding === undefined) throw new HttpError(406, "no acceptable encoding; supported: gzip");
  const range =
    encoding === "identity" ? parseRange(rangeHeader, stats.size) : { kind: "full" as const };
  const headers: Record<string, string | number> = {
    "content-type": contentTypeFor(path),
    "content-disposition": contentDisposition(basename(path)),
    "accept-ranges": "bytes",
    "last-modified": stats.mtime.toUTCString(),
    vary: "Accept-Encoding",
  };
  if (range.kind === "unsatisfiable") {
    res.writeHead(416, { ...headers, "content-range": `bytes */${stats.size}` });
    res.end();
    return;
  }
  // Opened before the headers go out, so a file that cannot be opened still gets its status.
  const fd = await openDescriptor(path, "r");
  const { start, end } =
    range.kind === "partial" ? range : { start: 0, end: Math.max(0, stats.size - 1) };
  const stream = readStream({ path, fd }, { start, end, empty: stats.size === 0 });
  if (encoding === "gzip") {
    res.writeHead(200, { ...headers, "content-encoding": "gzip" });
    await pipeline(stream, createGzip(), res as NodeJS.WritableStream);
    return;
  }
  const length = stats.size === 0 ? 0 : end - start + 1;
  const status = range.kind === "partial" ? 206 : 200;
  if (range.kind === "partial") headers["content-range"] = `bytes ${start}-${end}/${stats.size}`;
  res.writeHead(status, { ...headers, "content-length": length });
  await pipeline(stream, res as NodeJS.WritableStream);
}

/** The stream owns (and closes) the descriptor from here on. */
function readStream(
  file: { path: string; fd: number },
  at: { start: number; end: number; empty: boolean },
) {
  return createReadStream(file.path, {
    fd: file.fd,
    autoClose: true,
    start: at.start,
    // An empty file has no last byte; end: -1 would be invalid.
    ...(at.empty ? {} : { end: at.end }),
    highWaterMark: READ_CHUNK_BYTES,
  });
}

function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ECONNRESET" || code === "EPIPE";
}
