/**
 * A periodic round that never overlaps itself: while one run is in flight, a
 * call joins it instead of starting another. A timer that fires every N
 * seconds against a dependency that accepts connections and never answers
 * (a hung registry, an apiserver behind a black-holing proxy) would
 * otherwise pile up rounds, each holding its sockets and memory, until the
 * dependency answers or the process runs out. Pure (no I/O of its own).
 *
 * @example
 *   const round = singleFlight(() => readEveryTag(signal));
 *   setInterval(() => void round(), 30_000); // a tick during a slow round joins it
 */
export interface SingleFlight<T> {
  (): Promise<T>;
  /** Whether a run is in flight now. */
  readonly running: boolean;
  /** Calls that joined a run in flight instead of starting one. */
  readonly joined: number;
}

export function singleFlight<T>(run: () => Promise<T>): SingleFlight<T> {
  let current: Promise<T> | undefined;
  let joined = 0;
  const call = (() => {
    if (current) {
      joined++;
      return current;
    }
    const started = (async () => run())();
    current = started;
    const clear = () => {
      if (current === started) current = undefined;
    };
    started.then(clear, clear);
    return started;
  }) as SingleFlight<T>;
  Object.defineProperty(call, 'running', { get: () => current !== undefined });
  Object.defineProperty(call, 'joined', { get: () => joined });
  return call;
}
