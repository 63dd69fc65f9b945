import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { EventBus, EventHandler } from "./bus.js";
import { createDispatcher } from "./dispatcher.js";
import type { SandboxStateEvent, WrennEvent } from "./types.js";

/** One stream for every replica; trimmed, as readers only ever want what is new. */
export const EVENT_STREAM = "wrenn:events";
const STREAM_MAX_LENGTH = 100_000;
/** How long one blocking read waits before it is issued again (it returns as soon as one comes). */
const READ_BLOCK_MS = 5_000;

/** An entry's event, or null for a kind this version does not know (a newer replica's). */
function decodeEvent(text: string): WrennEvent | null {
  const value = JSON.parse(text) as { type?: unknown; at?: unknown };
  if (value.type !== "sandbox.state" || typeof value.at !== "string") return null;
  return { ...(value as unknown as SandboxStateEvent), at: new Date(value.at) };
}

/**
 * Lifecycle events through a Redis stream (REDIS_URL), so every control-plane replica sees every
 * replica's state changes: the proxy's route cache, the E2B routes waiting for an outcome and
 * the reconciler act on them wherever the change happened. Events published here reach local
 * subscribers through the stream too, so all replicas see one order. Resolves once connected;
 * an unreachable Redis fails the start with its reason.
 */
export async function createRedisEventBus(url: string, log: Logger): Promise<EventBus> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: "wrenn" };
  const client = new Redis(url, options);
  // Blocking reads hold their connection: they get one of their own.
  const reader = new Redis(url, { ...options, connectionName: "wrenn-events" });
  for (const connection of [client, reader]) {
    connection.on("error", (error: Error) => log.warn({ err: error }, "redis connection error"));
  }
  try {
    await Promise.all([client.connect(), reader.connect()]);
  } catch (error) {
    client.disconnect();
    reader.disconnect();
    throw new Error(`cannot reach Redis at REDIS_URL: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const dispatcher = createDispatcher(log);
  // From the newest entry now: a replica starting later does not replay history.
  const [newest] = await client.xrevrange(EVENT_STREAM, "+", "-", "COUNT", 1);
  let lastId = newest?.[0] ?? "0-0";
  let closed = false;

  async function readLoop(): Promise<void> {
    while (!closed) {
      try {
        const batch = await reader.xread(
          "COUNT",
          256,
          "BLOCK",
          READ_BLOCK_MS,
          "STREAMS",
          EVENT_STREAM,
          lastId,
        );
        for (const [, entries] of batch ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const text = fields[fields.indexOf("event") + 1];
            const event = text === undefined ? null : decodeEvent(text);
            if (event) dispatcher.dispatch(event);
          }
        }
      } catch (error) {
        if (closed) return;
        log.warn({ err: error }, "reading lifecycle events failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
  const reading = readLoop();

  return {
    async publish(event) {
      if (closed) throw new Error(`event bus is closed; dropped ${event.type}`);
      await client.xadd(
        EVENT_STREAM,
        "MAXLEN",
        "~",
        STREAM_MAX_LENGTH,
        "*",
        "event",
        JSON.stringify(event),
      );
    },
    // The map holds handlers of the union type; each is only ever called with its own type.
    subscribe: (type, handler) => dispatcher.subscribe(type, handler as EventHandler<WrennEvent>),
    async close() {
      closed = true;
      reader.disconnect();
      await reading;
      await dispatcher.close();
      await client.quit();
    },
  };
}
