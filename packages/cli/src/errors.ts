/**
 * Exit codes scripts can rely on (documented in `wrenn --help` and README.md). `exec` and
 * `shell` exit with the remote command's own code instead when it ran.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  conflict: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The API's error body: `{code: <HTTP status>, message, error_code}`. */
export interface ApiErrorBody {
  readonly code: number;
  readonly message: string;
  readonly error_code: string;
}

/** Every failure the CLI reports: one human line, an exit code, and the API's error if any. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly status: number | null;
  readonly errorCode: string | null;

  constructor(
    message: string,
    options: { exitCode: number; status?: number; errorCode?: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode;
    this.status = options.status ?? null;
    this.errorCode = options.errorCode ?? null;
  }
}

/** 400 is the caller's mistake like a bad flag, so it shares the usage code. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 422) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  return EXIT.failure;
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const { code, message, error_code } = value as Record<string, unknown>;
  return typeof code === "number" && typeof message === "string" && typeof error_code === "string";
}

export function apiError(status: number, body: unknown): CliError {
  if (isApiErrorBody(body)) {
    return new CliError(body.message, {
      exitCode: exitCodeForStatus(status),
      status,
      errorCode: body.error_code,
    });
  }
  return new CliError(`the server answered HTTP ${status}`, {
    exitCode: exitCodeForStatus(status),
    status,
  });
}

export function usageError(message: string): CliError {
  return new CliError(message, { exitCode: EXIT.usage });
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/**
 * Normalises anything thrown into a CliError at the one boundary (main.ts). A local file that
 * is missing is "not found" like a missing sandbox; everything unexpected is a plain failure.
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const errno = errnoOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (errno === "ENOENT") return new CliError(message, { exitCode: EXIT.notFound, cause: error });
  return new CliError(message, { exitCode: EXIT.failure, cause: error });
}

/** The `--json` form of an error, printed on stdout so it stays one parseable document. */
export function toJsonError(error: CliError): { error: Record<string, unknown> } {
  return {
    error: {
      message: error.message,
      exitCode: error.exitCode,
      ...(error.status !== null && { status: error.status }),
      ...(error.errorCode !== null && { errorCode: error.errorCode }),
    },
  };
}
