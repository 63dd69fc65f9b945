import type { Readable } from "node:stream";
import type busboy from "busboy";
import { resolvePath } from "../paths.js";
import type { FileMetadata } from "../services/filesystem/metadata-store.js";
import type { User } from "../users.js";
import { authorizeFileRequest } from "./files-auth.js";
import { type FilesContext, fileUser, requestHeader } from "./files-context.js";
import { decodedBody } from "./files-encoding.js";
import { sendFileError } from "./files-errors.js";
import { parseMetadataHeaders } from "./files-metadata.js";
import { type WriteInfo, writeUploadedFile } from "./files-write.js";
import { HttpError, type HttpHandler, type Request, sendJson } from "./respond.js";

/** Busboy's buffers: large, so big uploads cross fewer stream boundaries. */
const PARSE_CHUNK_BYTES = 1 << 20;

interface UploadRequest {
  user: User;
  /** The `path` query value; it names the destination of every part when given. */
  pathQuery: string | null;
  metadata: FileMetadata;
}

/**
 * POST /files: multipart/form-data (each `file` part's filename is its destination) or a
 * raw application/octet-stream body (the `path` query names it), optionally gzip-encoded.
 * Replies with one `{path, name, type: "file"}` per file written.
 */
export function createUploadHandler(context: FilesContext): HttpHandler {
  return async (req, res, url) => {
    let body: Readable = req as Readable;
    // A client that goes away mid-upload errors the request; the write in progress sees it.
    req.once("error", (error) => context.log.debug({ err: error }, "upload request failed"));
    try {
      authorizeFileRequest({
        state: context.state,
        accessTokenHeader: requestHeader(req, "x-access-token"),
        url,
        operation: "write",
      });
      const upload: UploadRequest = {
        user: fileUser(context, url),
        pathQuery: url.searchParams.get("path"),
        metadata: parseMetadataHeaders(req.rawHeaders),
      };
      const mediaType = (requestHeader(req, "content-type") ?? "")
        .split(";")[0]!
        .trim()
        .toLowerCase();
      body = decodedBody(req as Readable, requestHeader(req, "content-encoding"), context.log);
      let written: WriteInfo[];
      if (mediaType === "application/octet-stream") {
        written = [await rawUpload(context, body, upload)];
      } else if (mediaType === "multipart/form-data") {
        written = await multipartUpload(context, { req, body }, upload);
      } else {
        throw new HttpError(
          400,
          `unsupported content type: '${mediaType}', expected multipart/form-data or application/octet-stream`,
        );
      }
      sendJson(res, 200, written);
    } catch (error) {
      discard(req, body);
      sendFileError(res, error, {
        log: context.log,
        path: url.searchParams.get("path") ?? undefined,
      });
    }
  };
}

async function rawUpload(context: FilesContext, body: Readable, upload: UploadRequest) {
  if (!upload.pathQuery) {
    throw new HttpError(400, "path query parameter is required for raw body upload");
  }
  const target = resolvePath(upload.pathQuery, upload.user, context.state.defaultWorkdir);
  return writeUploadedFile(context, {
    target,
    source: body,
    user: upload.user,
    metadata: upload.metadata,
  });
}

/**
 * Parts are written as they stream in. After the first failure the remaining parts are
 * only drained, and the request fails with that error; files already written stay, as in
 * infra's envd. A body that does not parse fails with 400 whatever else went wrong.
 */
async function multipartUpload(
  context: FilesContext,
  request: { req: Request; body: Readable },
  upload: UploadRequest,
): Promise<WriteInfo[]> {
  const parser = await createParser(request.req);
  const writes: Promise<WriteInfo>[] = [];
  const targets = new Set<string>();
  let parseError: unknown;
  let failure: unknown;
  parser.on("file", (name, stream, info) => {
    // Busboy fails the part itself on a truncated body, possibly before anyone reads it.
    stream.once("error", (error) => {
      parseError ??= error;
    });
    if (name !== "file" || failure !== undefined || parseError !== undefined) {
      stream.resume();
      return;
    }
    const raw = upload.pathQuery ?? info.filename ?? "";
    const target = resolvePath(raw, upload.user, context.state.defaultWorkdir);
    if (targets.has(target)) {
      failure = new HttpError(
        400,
        `you cannot upload multiple files to the same path '${target}' in one upload request`,
      );
      stream.resume();
      return;
    }
    targets.add(target);
    const { user, metadata } = upload;
    const write = writeUploadedFile(context, { target, source: stream, user, metadata });
    write.catch((error: unknown) => {
      failure ??= error;
      stream.resume();
    });
    writes.push(write);
  });
  try {
    await parse(request.body, parser);
  } catch (error) {
    parseError ??= error;
  }
  const settled = await Promise.allSettled(writes);
  if (parseError !== undefined) throw asParseFailure(parseError);
  if (failure !== undefined) throw failure;
  if (settled.length === 0) throw new HttpError(400, "the multipart body has no part named 'file'");
  return settled.map((s) => (s.status === "fulfilled" ? s.value : unreachable()));
}

/** busboy loads on the first multipart upload, not at startup: idle memory is per sandbox. */
async function createParser(req: Request): Promise<busboy.Busboy> {
  const { default: busboy } = await import("busboy");
  try {
    return busboy({
      headers: req.headers,
      preservePath: true,
      defParamCharset: "utf8",
      highWaterMark: PARSE_CHUNK_BYTES,
      fileHwm: PARSE_CHUNK_BYTES,
    });
  } catch (cause) {
    throw new HttpError(400, `invalid multipart request: ${(cause as Error).message}`, { cause });
  }
}

/** zlib errors keep their code (a bad gzip body); the rest are busboy's parse errors. */
function asParseFailure(error: unknown): unknown {
  if (isZlibError(error) || error instanceof HttpError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(400, `malformed multipart body: ${message}`, { cause: error });
}

/**
 * Feeds the body to busboy. Not pipeline(): it destroys the request on a parse error, and
 * with it the connection the 400 must go out on.
 */
function parse(body: Readable, parser: busboy.Busboy): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.once("close", resolve);
    parser.once("error", reject);
    body.once("error", (error) => {
      // Ends the part being written, so its write fails instead of waiting forever.
      parser.destroy(error);
      reject(error);
    });
    body.pipe(parser);
  });
}

function unreachable(): never {
  throw new Error("a failed write was not recorded as the upload's failure");
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

/**
 * Reads and drops what is left of a failed upload, so the error reply reaches a client
 * that is still sending instead of a reset connection.
 */
function discard(req: Request, body: Readable): void {
  (req as Readable).unpipe();
  if (body !== (req as Readable)) body.destroy();
  if (!req.complete) (req as Readable).resume();
}
