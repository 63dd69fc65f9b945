import type { EventOfType, WrennEvent, WrennEventType } from "./types.js";

export type EventHandler<E extends WrennEvent> = (event: E) => void | Promise<void>;

/**
 * Lifecycle events between control-plane components (and, with Redis Streams, replicas).
 * Contract for every implementation:
 * - `publish` resolves once the event is accepted (in memory, or XADD acknowledged); it never
 *   waits for subscribers, and a failing subscriber never fails the publisher.
 * - Handlers may run more than once per event with a networked bus (at-least-once): make them
 *   idempotent. One handler sees one publisher's events one at a time, in publish order.
 * - `close` stops delivery and waits for handlers already running.
 */
export interface EventBus {
  publish(event: WrennEvent): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe<T extends WrennEventType>(type: T, handler: EventHandler<EventOfType<T>>): () => void;
  close(): Promise<void>;
}

/**
 * The first event of `type` matching `predicate`, e.g. a sandbox reaching `running` for the
 * E2B create route, which answers only with the outcome. Subscribe before starting the work
 * that publishes, or the event can pass unseen.
 */
export function waitForEvent<T extends WrennEventType>(
  bus: EventBus,
  type: T,
  predicate: (event: EventOfType<T>) => boolean,
  signal: AbortSignal,
): Promise<EventOfType<T>> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      unsubscribe();
      reject(signal.reason);
    };
    const unsubscribe = bus.subscribe(type, (event) => {
      if (!predicate(event)) return;
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      resolve(event);
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
