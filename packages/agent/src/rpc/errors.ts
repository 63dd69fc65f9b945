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

/**
 * The one place agent errors become Connect errors; unexpected ones are logged with the method.
 * Streaming methods fail while their messages are produced, so the stream is wrapped too.
 */
export function errorInterceptor(log: Logger): Interceptor {
  const convert = (error: unknown, method: string): ConnectError => {
    const connectError = toConnectError(error);
    if (connectError.code === Code.Internal || connectError.code === Code.Unknown) {
      log.error({ err: error, method }, "rpc failed");
    }
    return connectError;
  };
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } catch (error) {
            throw convert(error, req.method.name);
          }
        })(),
      };
    } catch (error) {
      throw convert(error, req.method.name);
    }
  };
}
