/**
 * The daemon's own event stream, for interfaces that show live state (the
 * dashboard's Server-Sent Events): a note that something about a bundle
 * changed (a version was cut, a release moved a step, a drift finding opened
 * or closed, a channel tag was followed), never the change itself. Whoever
 * listens reads the state again through the public API, so what it shows is
 * what the state says, not a second copy kept in step by events. Listeners
 * run synchronously and must not throw; one that does is dropped from the
 * call, not from the feed.
 *
 * @example
 *   const feed = createChangeFeed();
 *   const off = feed.subscribe((c) => rerender(c.bundle));
 *   feed.emit({ bundle: 'web', kind: 'release' });
 *   off();
 */
export type BundleChangeKind = 'version' | 'release' | 'drift' | 'channel';

export interface ChangeNote {
  bundle: string;
  kind: BundleChangeKind;
}

export interface ChangeFeed {
  emit(change: ChangeNote): void;
  /** Calls `listener` for every change from now on; returns the unsubscribe. */
  subscribe(listener: (change: ChangeNote) => void): () => void;
  /** How many listeners there are now (an interface with none costs nothing). */
  listeners(): number;
}

export function createChangeFeed(): ChangeFeed {
  const listeners = new Set<(change: ChangeNote) => void>();
  return {
    emit(change) {
      for (const l of listeners) {
        try {
          l(change);
        } catch {
          // A listener's failure is its own (a closed connection); the loop's work goes on.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listeners: () => listeners.size,
  };
}
