import type { EndEventFields } from "./end-event.js";
import type { OutputStream } from "./spawned-process.js";

export type QueueItem =
  | { kind: "data"; stream: OutputStream; data: Buffer }
  | { kind: "end"; end: EndEventFields };

/** What a reader gets: an item, "idle" when nothing came for idleMs, or the abort of its signal. */
export type NextResult = QueueItem | { kind: "idle" } | { kind: "aborted"; reason: unknown };

export interface Subscriber {
  next(options: { idleMs: number; signal: AbortSignal }): Promise<NextResult>;
  /** Stops receiving; queued items are dropped. */
  close(): void;
}

export interface QueueLimits {
  /** Past this many queued bytes the queue reports itself full… */
  highBytes: number;
  /** …and once drained to this many, free again. */
  lowBytes: number;
}

export interface QueueHooks {
  onFull(): void;
  onDrained(): void;
  onClose(): void;
}

/** One reader's queue of a process's output, with hysteresis so backpressure does not flap. */
export function createSubscriberQueue(hooks: QueueHooks, limits: QueueLimits) {
  const items: QueueItem[] = [];
  let queuedBytes = 0;
  let full = false;
  let closed = false;
  let wake: (() => void) | undefined;

  function push(item: QueueItem): void {
    if (closed) return;
    items.push(item);
    if (item.kind === "data") {
      queuedBytes += item.data.length;
      if (!full && queuedBytes > limits.highBytes) {
        full = true;
        hooks.onFull();
      }
    }
    wake?.();
  }

  function take(): QueueItem | undefined {
    const item = items.shift();
    if (item?.kind === "data") {
      queuedBytes -= item.data.length;
      if (full && queuedBytes <= limits.lowBytes) {
        full = false;
        hooks.onDrained();
      }
    }
    return item;
  }

  async function next(options: { idleMs: number; signal: AbortSignal }): Promise<NextResult> {
    const { signal } = options;
    if (signal.aborted) return { kind: "aborted", reason: signal.reason };
    const ready = take();
    if (ready) return ready;
    const woken = await waitForItem(options.idleMs, signal);
    return woken ?? take() ?? { kind: "idle" };
  }

  /** Resolves undefined when an item arrived (or the queue closed), else idle/aborted. */
  function waitForItem(idleMs: number, signal: AbortSignal): Promise<NextResult | undefined> {
    return new Promise((resolve) => {
      const finish = (result: NextResult | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        wake = undefined;
        resolve(result);
      };
      const onAbort = () => finish({ kind: "aborted", reason: signal.reason });
      const timer = setTimeout(() => finish({ kind: "idle" }), idleMs);
      signal.addEventListener("abort", onAbort, { once: true });
      wake = () => finish(undefined);
    });
  }

  function close(): void {
    if (closed) return;
    closed = true;
    items.length = 0;
    queuedBytes = 0;
    if (full) {
      full = false;
      hooks.onDrained();
    }
    hooks.onClose();
    wake?.();
  }

  return { push, next, close } satisfies Subscriber & { push(item: QueueItem): void };
}

export type SubscriberQueue = ReturnType<typeof createSubscriberQueue>;
