/** Serialises operations per key (one sandbox's create, pause, destroy never interleave). */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();

  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous.then(fn, fn);
      // The chain must not reject, or the next waiter would skip its turn.
      const tail = current.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      try {
        return await current;
      } finally {
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    isBusy(key: string): boolean {
      return tails.has(key);
    },
  };
}

export type KeyedLock = ReturnType<typeof createKeyedLock>;
