/**
 * One holder per key at a time, FIFO: the loop's task for `bundle:web` and
 * an API action on the same bundle take turns instead of racing for the
 * release lease. Keys are independent of each other.
 *
 * @example
 *   const locks = createKeyedMutex();
 *   await locks.run('bundle:web', () => deploy());
 */
export interface KeyedMutex {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Keys currently held or waited for. */
  readonly busy: readonly string[];
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const prev = tails.get(key) ?? Promise.resolve();
      const next = prev.then(fn, fn);
      const tail = next.then(
        () => {},
        () => {},
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
    get busy() {
      return [...tails.keys()];
    },
  };
}
