/**
 * Age identities from text: the contents of an age key file (as `age-keygen`
 * writes it, with `# created:` and `# public key:` comments) or the value of
 * an environment variable such as `SOPS_AGE_KEY`, which may hold several
 * keys, one per line. Comments and blank lines are ignored.
 *
 * Errors name the source and the line number, never the line itself: a line
 * that almost looks like a key is still key material.
 *
 * @example
 *   parseAgeIdentities({ text: '# public key: age1...\nAGE-SECRET-KEY-1QQ...\n', source: 'SOPS_AGE_KEY' })
 *   // => ['AGE-SECRET-KEY-1QQ...']
 */
import { InvalidInputError } from '../errors/errors.ts';

// Bech32: HRP, separator '1', data in the bech32 alphabet (upper case for age secret keys).
const IDENTITY = /^AGE-SECRET-KEY-(?:PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{6,}$/;

export interface ParseAgeIdentitiesArgs {
  text: string;
  /** Where the text came from, for messages: a file path or an environment variable's name. */
  source?: string;
}

/**
 * The identity strings in `text`, in order, without duplicates. Throws
 * InvalidInputError when a non-comment line is not an age identity, or when
 * there is none.
 */
export function parseAgeIdentities({ text, source = 'age identities' }: ParseAgeIdentitiesArgs): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!IDENTITY.test(line)) {
      throw new InvalidInputError(`${source}: line ${i + 1} is not an age identity (expected AGE-SECRET-KEY-1...)`, {
        data: { source, line: i + 1 },
      });
    }
    if (!out.includes(line)) out.push(line);
  }
  if (out.length === 0)
    throw new InvalidInputError(`${source}: no age identity found (expected a line AGE-SECRET-KEY-1...)`, {
      data: { source },
    });
  return out;
}
