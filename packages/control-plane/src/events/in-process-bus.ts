import type { Logger } from "pino";
import type { EventBus, EventHandler } from "./bus.js";
import type { WrennEvent, WrennEventType } from "./types.js";

/** The bus of a single control plane (no REDIS_URL): handlers run in this process. */
export function createInProcessEventBus(log: Logger): EventBus {
  const handlers = new Map<WrennEventType, Set<EventHandler<WrennEvent>>>();
  // Per handler, the end of its delivery chain: a handler sees events one at a time, in order.
  const tails = new Map<EventHandler<WrennEvent>, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  async function deliver(handler: EventHandler<WrennEvent>, event: WrennEvent): Promise<void> {
    // A macrotask away from the publisher, as with a networked bus: publish never runs handlers
    // inline, so a publisher holding a transaction cannot be re-entered by its own subscribers.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await handler(event);
    } catch (error) {
      log.error({ err: error, eventType: event.type }, "event handler failed");
    }
  }

  return {
    async publish(event) {
      if (closed) throw new Error(`event bus is closed; dropped ${event.type}`);
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

    subscribe(type, handler) {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      // The map holds handlers of the union type; each is only ever called with its own type.
      const stored = handler as EventHandler<WrennEvent>;
      set.add(stored);
      return () => {
        set.delete(stored);
      };
    },

    async close() {
      closed = true;
      handlers.clear();
      await Promise.all(inFlight);
    },
  };
}
