/** The closed set of error codes every Wrenn boundary speaks. */
export const ERROR_CODES = [
  "invalid_argument",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "invalid_state",
  "exhausted",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class WrennError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends WrennError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_argument", message, options);
  }
}

/** Missing, malformed, expired or revoked credentials. */
export class UnauthenticatedError extends WrennError {
  constructor(message = "authentication required", options?: { cause?: unknown }) {
    super("unauthenticated", message, options);
  }
}

/** A known caller whose role or credential kind does not allow the action on its own team. */
export class ForbiddenError extends WrennError {
  constructor(message: string) {
    super("forbidden", message);
  }
}

export class NotFoundError extends WrennError {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super("not_found", `${resource} ${id} not found`);
  }
}

export class ConflictError extends WrennError {
  constructor(message: string) {
    super("conflict", message);
  }
}

/** An operation that the resource's current state does not allow. */
export class InvalidStateError extends WrennError {
  constructor(
    readonly state: string,
    readonly action: string,
    detail?: string,
  ) {
    super(
      "invalid_state",
      `cannot ${action} a sandbox that is ${state}${detail ? `: ${detail}` : ""}`,
    );
  }
}

export class ExhaustedError extends WrennError {
  constructor(message: string) {
    super("exhausted", message);
  }
}

export class UnavailableError extends WrennError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
  }
}

// Exhaustive: a new code without a status does not compile.
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  exhausted: 429,
  unavailable: 503,
  internal: 500,
};

export function isWrennError(error: unknown): error is WrennError {
  return error instanceof WrennError;
}
