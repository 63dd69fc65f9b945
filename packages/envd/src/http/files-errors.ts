import type { Logger } from "../log.js";
import { AccessDeniedError, errnoCode } from "../services/filesystem/fs-errors.js";
import { HttpError, type Response, sendError } from "./respond.js";

const STATUS_BY_ERRNO: Record<string, { status: number; what: string }> = {
  ENOENT: { status: 404, what: "file not found" },
  EACCES: { status: 403, what: "permission denied" },
  EPERM: { status: 403, what: "operation not permitted" },
  ENOTDIR: { status: 400, what: "not a directory" },
  EISDIR: { status: 400, what: "path is a directory" },
  ENAMETOOLONG: { status: 400, what: "name too long" },
  ELOOP: { status: 400, what: "too many levels of symbolic links" },
  ENOSPC: { status: 507, what: "not enough disk space available" },
  EDQUOT: { status: 507, what: "disk quota exceeded" },
};

/** Maps an error from a /files request to envd's JSON error body, with a useful message. */
export function sendFileError(
  res: Response,
  error: unknown,
  context: { log: Logger; path: string | undefined },
): void {
  const { status, message } = describe(error, context.path);
  if (status >= 500 && status !== 507) {
    context.log.error({ err: error, path: context.path }, "file request failed");
  } else {
    context.log.debug({ err: error, path: context.path, status }, "file request rejected");
  }
  sendError(res, status, message);
}

function describe(error: unknown, path: string | undefined): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  if (error instanceof AccessDeniedError) return { status: 403, message: error.message };
  const code = errnoCode(error);
  const known = code ? STATUS_BY_ERRNO[code] : undefined;
  if (known) return { status: known.status, message: path ? `${known.what}: ${path}` : known.what };
  // zlib's errors (Z_DATA_ERROR, …): the client sent a body that is not what it claims.
  if (code?.startsWith("Z_")) return { status: 400, message: "invalid gzip-encoded body" };
  return { status: 500, message: "internal error" };
}
