/**
 * A work list that grows as it is worked: each step may hand back more
 * items, and at most `limit` steps run at once, over the whole list, however
 * deep the items nest. What a tree walk needs: a recursive walk that starts
 * every subdirectory at once (`Promise.all` per level) fans out without bound
 * and keeps walking after the first failure; this one holds only the items
 * found and not yet worked (last in, first out, so a walk goes deep before it
 * goes wide), starts nothing after the first failure, and rethrows it once
 * the steps in flight have settled. `mapLimit` (lib/foundation) works a list
 * known up front, so it cannot be this.
 *
 * @example
 *   await drainLimit({ start: [root], limit: 8, step: async (dir) => subdirsOf(dir), signal });
 */

export async function drainLimit<T>({
  start,
  limit,
  step,
  signal,
}: {
  start: readonly T[];
  limit: number;
  /** Works one item; returns the items it found (worked later). */
  step: (item: T) => Promise<readonly T[]>;
  signal?: AbortSignal;
}): Promise<void> {
  const pending: T[] = [...start];
  let running = 0;
  let failed: { err: unknown } | undefined;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (!failed && signal?.aborted) failed = { err: signal.reason };
      if (failed || pending.length === 0) {
        if (running > 0) return;
        return failed ? reject(failed.err) : resolve();
      }
      while (running < limit && pending.length > 0) {
        const item = pending.pop()!;
        running++;
        Promise.resolve()
          .then(() => step(item))
          .then(
            (more) => {
              for (const m of more) pending.push(m);
            },
            (err: unknown) => {
              failed ??= { err };
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
    };
    pump();
  });
}
