import { Code, ConnectError } from "@connectrpc/connect";

/** The errno code of a Node fs error (`ENOENT`, …), or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

const CONNECT_CODES: Record<string, { code: Code; what: string }> = {
  ENOENT: { code: Code.NotFound, what: "path not found" },
  EACCES: { code: Code.PermissionDenied, what: "permission denied" },
  EPERM: { code: Code.PermissionDenied, what: "operation not permitted" },
  ENOTDIR: { code: Code.InvalidArgument, what: "not a directory" },
  EISDIR: { code: Code.InvalidArgument, what: "is a directory" },
  EEXIST: { code: Code.AlreadyExists, what: "already exists" },
  ENOTEMPTY: { code: Code.AlreadyExists, what: "directory not empty" },
  ENAMETOOLONG: { code: Code.InvalidArgument, what: "name too long" },
  EINVAL: { code: Code.InvalidArgument, what: "invalid argument" },
  EXDEV: { code: Code.InvalidArgument, what: "cannot move across filesystems" },
  ELOOP: { code: Code.FailedPrecondition, what: "too many levels of symbolic links" },
  // resource_exhausted would surface in the SDK as a rate-limit error, which misleads.
  ENOSPC: { code: Code.Internal, what: "no space left on device" },
  EDQUOT: { code: Code.Internal, what: "disk quota exceeded" },
};

/**
 * Maps an error from a filesystem operation to the Connect error the SDK expects. Errors
 * without a known errno become `internal` and keep the original as `cause` (for logs only).
 */
export function toConnectError(error: unknown, path: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const code = errnoCode(error);
  const known = code ? CONNECT_CODES[code] : undefined;
  if (known) {
    const detail = error instanceof AccessDeniedError ? error.message : `${known.what}: ${path}`;
    return new ConnectError(detail, known.code, undefined, undefined, error);
  }
  return ConnectError.from(error, Code.Internal);
}

/**
 * The user the request acts as may not do this, although envd (root) could. Carries
 * `code: "EACCES"` so both the RPC and the HTTP boundary map it like a kernel refusal.
 */
export class AccessDeniedError extends Error {
  override readonly name = "AccessDeniedError";
  readonly code = "EACCES";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
