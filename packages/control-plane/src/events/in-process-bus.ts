import type { Logger } from "pino";
import type { EventBus, EventHandler } from "./bus.js";
import { createDispatcher } from "./dispatcher.js";
import type { WrennEvent } from "./types.js";

/** The bus of a single control plane (no REDIS_URL): handlers run in this process. */
export function createInProcessEventBus(log: Logger): EventBus {
  const dispatcher = createDispatcher(log);
  let closed = false;
  return {
    async publish(event) {
      if (closed) throw new Error(`event bus is closed; dropped ${event.type}`);
      dispatcher.dispatch(event);
    },
    // The map holds handlers of the union type; each is only ever called with its own type.
    subscribe: (type, handler) => dispatcher.subscribe(type, handler as EventHandler<WrennEvent>),
    async close() {
      closed = true;
      await dispatcher.close();
    },
  };
}
