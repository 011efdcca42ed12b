/**
 * Wording shared by the health messages, so counts read the same everywhere.
 *
 * @example
 *   plural(1, 'replica') // => '1 replica'
 */

/** `1 replica`, `3 replicas`. */
export function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}
