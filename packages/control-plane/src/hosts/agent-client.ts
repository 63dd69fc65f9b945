import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import {
  type ErrorCode,
  InvalidArgumentError,
  UnauthenticatedError,
  UnavailableError,
  WrennError,
} from "@wrenn/shared";

/**
 * A host agent's `hostagent.v1.HostAgentService`, with the same methods as Connect's client,
 * except that every failure is a `WrennError` (mapped once, here) instead of a `ConnectError`.
 * Services then match errors by `code` (`error.code === "not_found"`), never by message.
 */
export type AgentClient = Client<typeof HostAgentService>;

// Exhaustive over Connect's codes, so a new one cannot slip through unmapped. Unimplemented is
// `unavailable`: the host cannot do this (yet), and a retry on another host or later may.
const WRENN_CODE: Record<Code, ErrorCode> = {
  [Code.Canceled]: "unavailable",
  [Code.Unknown]: "internal",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "unavailable",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "conflict",
  [Code.PermissionDenied]: "forbidden",
  [Code.ResourceExhausted]: "exhausted",
  [Code.FailedPrecondition]: "invalid_state",
  [Code.Aborted]: "conflict",
  [Code.OutOfRange]: "invalid_argument",
  [Code.Unimplemented]: "unavailable",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "internal",
  [Code.Unauthenticated]: "unauthenticated",
};

/**
 * The agent's messages are written for callers ("cannot pause a sandbox that is paused"), so
 * they are kept; the Connect error stays as `cause` for the logs. The shared classes that
 * take a cause are used; the others (NotFoundError and InvalidStateError need structured data
 * the wire does not carry) come back as a WrennError with the code, which is what the HTTP
 * error handler and the services read.
 */
export function toWrennError(error: unknown, method: string): WrennError {
  if (error instanceof WrennError) return error;
  const connect = ConnectError.from(error);
  const message =
    connect.code === Code.Unimplemented
      ? `the host agent does not support ${method} yet`
      : connect.rawMessage || `host agent ${method} failed`;
  const options = { cause: connect };
  const code = WRENN_CODE[connect.code];
  switch (code) {
    case "invalid_argument":
      return new InvalidArgumentError(message, options);
    case "unauthenticated":
      return new UnauthenticatedError(message, options);
    case "unavailable":
      return new UnavailableError(message, options);
    default:
      return new WrennError(code, message, options);
  }
}

async function* mapStream<T>(source: AsyncIterable<T>, method: string): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    throw toWrennError(error, method);
  }
}

/**
 * A client for the agent at `address` (host:port). Errors cannot be mapped by a Connect
 * interceptor: the transport wraps whatever an interceptor throws back into a ConnectError.
 * So every method is wrapped one for one, from the service descriptor.
 */
export function createAgentClient(address: string): AgentClient {
  const raw = createClient(
    HostAgentService,
    // The agent serves HTTP/1.1 (its port proxy shares the server); client streaming (file
    // uploads) works on it, bidi streaming is not used.
    createConnectTransport({ baseUrl: `http://${address}`, httpVersion: "1.1" }),
  );
  const methods = raw as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrapped: Record<string, unknown> = {};
  for (const method of HostAgentService.methods) {
    const call = methods[method.localName];
    if (!call) throw new Error(`Connect client lacks ${method.localName}`);
    wrapped[method.localName] =
      method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming"
        ? (...args: unknown[]) => mapStream(call(...args) as AsyncIterable<unknown>, method.name)
        : async (...args: unknown[]) => {
            try {
              return await call(...args);
            } catch (error) {
              throw toWrennError(error, method.name);
            }
          };
  }
  // Same shape: every method of the descriptor, wrapped one for one.
  return wrapped as unknown as AgentClient;
}

/** True for an agent answer that the sandbox is not on it (any more). */
export function isAgentNotFound(error: unknown): boolean {
  return error instanceof WrennError && error.code === "not_found";
}
