import type { Logger } from "pino";
import type { EventHandler } from "./bus.js";
import type { WrennEvent, WrennEventType } from "./types.js";

/**
 * The local half of every bus: handlers by type, each fed one event at a time in arrival order,
 * a macrotask away from whoever delivered it, with its failures logged and contained.
 */
export function createDispatcher(log: Logger) {
  const handlers = new Map<WrennEventType, Set<EventHandler<WrennEvent>>>();
  // Per handler, the end of its delivery chain: a handler sees events one at a time, in order.
  const tails = new Map<EventHandler<WrennEvent>, Promise<void>>();
  const inFlight = new Set<Promise<void>>();

  async function deliver(handler: EventHandler<WrennEvent>, event: WrennEvent): Promise<void> {
    // Never inline: a publisher holding a transaction cannot be re-entered by its subscribers.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await handler(event);
    } catch (error) {
      log.error({ err: error, eventType: event.type }, "event handler failed");
    }
  }

  return {
    dispatch(event: WrennEvent): void {
      for (const handler of handlers.get(event.type) ?? []) {
        const previous = tails.get(handler) ?? Promise.resolve();
        const delivery: Promise<void> = previous
          .then(() => deliver(handler, event))
          .finally(() => {
            inFlight.delete(delivery);
            if (tails.get(handler) === delivery) tails.delete(handler);
          });
        tails.set(handler, delivery);
        inFlight.add(delivery);
      }
    },

    subscribe(type: WrennEventType, handler: EventHandler<WrennEvent>): () => void {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    },

    /** Stops delivery to everyone and waits for the handlers already running. */
    async close(): Promise<void> {
      handlers.clear();
      await Promise.all(inFlight);
    },
  };
}
