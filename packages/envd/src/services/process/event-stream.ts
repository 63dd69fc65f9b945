import type { MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import type { ProcessEventSchema } from "@wrenn/proto/envd/process";
import type { Subscriber } from "./subscriber-queue.js";

/** The shape shared by StartResponse and ConnectResponse. */
export interface ProcessEventResponse {
  event: MessageInitShape<typeof ProcessEventSchema>;
}

/** infra's default when the client sends no Keepalive-Ping-Interval. */
export const DEFAULT_KEEPALIVE_MS = 90_000;
// Longer intervals would not keep any proxy's idle timeout at bay and overflow setTimeout.
const MAX_KEEPALIVE_MS = 3_600_000;

/** `Keepalive-Ping-Interval` is in seconds; anything unusable means the default. */
export function keepaliveIntervalMs(header: string | null): number {
  if (header === null || !/^\d+$/.test(header.trim())) return DEFAULT_KEEPALIVE_MS;
  const ms = Number(header.trim()) * 1000;
  if (ms <= 0) return DEFAULT_KEEPALIVE_MS;
  return Math.min(ms, MAX_KEEPALIVE_MS);
}

export interface EventStreamOptions {
  pid: number;
  subscriber: Subscriber;
  keepaliveMs: number;
  /** The handler context's signal: deadline, client gone, or server shutdown. */
  signal: AbortSignal;
}

/**
 * start, then output and keepalives, then exactly one end. The subscription ends with the
 * stream, never the process: a client that goes away only stops listening.
 */
export async function* streamProcessEvents(
  options: EventStreamOptions,
): AsyncGenerator<ProcessEventResponse> {
  const { subscriber } = options;
  try {
    yield { event: { event: { case: "start", value: { pid: options.pid } } } };
    for (;;) {
      const item = await subscriber.next({ idleMs: options.keepaliveMs, signal: options.signal });
      switch (item.kind) {
        case "idle":
          yield { event: { event: { case: "keepalive", value: {} } } };
          break;
        case "data":
          yield {
            event: {
              event: { case: "data", value: { output: { case: item.stream, value: item.data } } },
            },
          };
          break;
        case "end":
          yield { event: { event: { case: "end", value: item.end } } };
          return;
        case "aborted":
          // A deadline is worth telling the client (deadline_exceeded); a vanished client
          // has nobody left to tell.
          if (item.reason instanceof ConnectError) throw item.reason;
          return;
      }
    }
  } finally {
    subscriber.close();
  }
}
