import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type ErrorCode, isWrennError } from "@wrenn/shared";
import type { Logger } from "pino";

// Exhaustive: a new error code without a Connect code does not compile.
const CONNECT_CODE: Record<ErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  not_found: Code.NotFound,
  conflict: Code.AlreadyExists,
  invalid_state: Code.FailedPrecondition,
  exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isWrennError(error))
    return new ConnectError(error.message, CONNECT_CODE[error.code], undefined, undefined, error);
  return new ConnectError(
    error instanceof Error ? error.message : String(error),
    Code.Internal,
    undefined,
    undefined,
    error,
  );
}

/** The one place agent errors become Connect errors; unexpected ones are logged with the method. */
export function errorInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      const connectError = toConnectError(error);
      if (connectError.code === Code.Internal || connectError.code === Code.Unknown) {
        log.error({ err: error, method: req.method.name }, "rpc failed");
      }
      throw connectError;
    }
  };
}
