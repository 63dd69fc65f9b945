import type { EndEventFields } from "./end-event.js";
import type { OutputStream } from "./spawned-process.js";
import {
  createSubscriberQueue,
  type QueueLimits,
  type Subscriber,
  type SubscriberQueue,
} from "./subscriber-queue.js";

export interface FlowControl {
  pause(): void;
  resume(): void;
}

// A reader more than this far behind pauses the child's output (it then blocks on a full
// pipe, exactly as it would writing to a slow terminal) instead of growing envd's memory.
export const DEFAULT_QUEUE_LIMITS: QueueLimits = { highBytes: 4 << 20, lowBytes: 1 << 20 };

/**
 * Copies a process's output to every current subscriber. Output nobody is subscribed to is
 * dropped (E2B's Connect replays nothing); the end is kept for late subscribers.
 */
export function createOutputFanout(flow: FlowControl, limits = DEFAULT_QUEUE_LIMITS) {
  const subscribers = new Set<SubscriberQueue>();
  const full = new Set<SubscriberQueue>();
  let ended: EndEventFields | undefined;

  function markFull(queue: SubscriberQueue): void {
    full.add(queue);
    if (full.size === 1) flow.pause();
  }

  function markDrained(queue: SubscriberQueue): void {
    if (full.delete(queue) && full.size === 0) flow.resume();
  }

  return {
    publish(stream: OutputStream, data: Buffer): void {
      for (const queue of subscribers) queue.push({ kind: "data", stream, data });
    },
    end(fields: EndEventFields): void {
      ended = fields;
      for (const queue of subscribers) queue.push({ kind: "end", end: fields });
    },
    subscribe(): Subscriber {
      const queue: SubscriberQueue = createSubscriberQueue(
        {
          onFull: () => markFull(queue),
          onDrained: () => markDrained(queue),
          onClose: () => subscribers.delete(queue),
        },
        limits,
      );
      if (ended) queue.push({ kind: "end", end: ended });
      else subscribers.add(queue);
      return queue;
    },
  };
}

export type OutputFanout = ReturnType<typeof createOutputFanout>;
