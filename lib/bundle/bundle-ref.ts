/**
 * `bundle@version`, as the CLI and the API name one version of a bundle.
 *
 * @example
 *   parseBundleRef('web@1.0.2') // => { bundle: 'web', version: '1.0.2' }
 */
import { UsageError } from '../errors/errors.ts';

/** Parses `bundle@version`; a UsageError for anything else. */
export function parseBundleRef(text: string): { bundle: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`expected BUNDLE@VERSION, got ${JSON.stringify(text)}`);
  return { bundle: text.slice(0, at), version: text.slice(at + 1) };
}
