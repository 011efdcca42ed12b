/**
 * Bounded concurrency over a list: `mapLimit` runs an async function over
 * items with at most `limit` in flight, keeping results in input order; it
 * stops starting new work after the first failure and rethrows it once
 * everything in flight has settled. `settleLimit` never stops early.
 * Generic (no Drover type), so every layer may use it.
 *
 * @example
 *   const live = await mapLimit(refs, 8, (ref) => getObject({ ref, signal }));
 */

/** Runs `fn` over `items`, at most `limit` at once, results in input order; rethrows the first failure once the rest in flight settle. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.err;
  return results;
}

/** Like mapLimit but never stops early: every item gets its outcome. */
export async function settleLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  return mapLimit(items, limit, (item) =>
    fn(item).then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => ({ status: 'rejected' as const, reason }),
    ),
  );
}
