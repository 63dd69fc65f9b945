/**
 * Runs work one at a time per key (a sandbox id), in arrival order: a destroy asked for while
 * the create still runs waits for it instead of racing it on the host agent. In-process only;
 * across replicas the conditional status writes keep the state consistent.
 */
export interface KeyedQueue {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** True while work for `key` runs or waits. */
  isBusy(key: string): boolean;
}

const settled = () => undefined;

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      // The previous job's failure is its own (its owner saw it); this one starts regardless.
      const result = previous.then(work, work);
      // Never rejects, and clears itself once nothing is queued behind it.
      const tail: Promise<void> = result.then(settled, settled).then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      tails.set(key, tail);
      return result;
    },
    isBusy: (key) => tails.has(key),
  };
}
