/**
 * The daemon's work in flight: every task the queue runs and every action
 * an interface asks for runs here, holding its key's lock (so the loop's
 * task for `bundle:web` and an API deploy of web take turns), and is kept in
 * a set until it settles, so shutdown can wait for all of it, whoever
 * started it.
 *
 * @example
 *   const inFlight = createInFlight();
 *   await inFlight.exclusive(bundleKey('web'), () => deploy());
 *   await inFlight.settled(); // at shutdown: nothing left running
 */
import { createKeyedMutex } from './keyed-mutex.ts';

export interface InFlight {
  /** Runs `fn` holding `key`'s lock (a task key, task-key.ts), as in-flight work. */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Resolves when no work is in flight, including work started while waiting. */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  const locks = createKeyedMutex();
  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.then(
      () => running.delete(p),
      () => running.delete(p),
    );
    return p;
  };
  return {
    exclusive: (key, fn) => track(locks.run(key, fn)),
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
