/**
 * Which values of a document sops encrypted, decided exactly as sops'
 * `Tree.shouldBeEncrypted` does from the metadata: by the keys on the value's
 * path (every map key from the root down; list positions add nothing), in
 * this order: `unencrypted_suffix` (any key ends with it -> plain), then
 * `encrypted_suffix` (only if some key ends with it), `unencrypted_regex`
 * (any key matches -> plain), `encrypted_regex` (only if some key matches).
 * Regexes are unanchored searches, as Go's `regexp.Match`.
 *
 * The comment rules (`*_comment_regex`) depend on YAML comments, which a
 * parsed object no longer has; with one of them set, the value's own form
 * (`ENC[...]` or not) decides instead. The MAC still covers every value (or,
 * with `mac_only_encrypted`, the set of encrypted ones), so a value swapped
 * between the two forms is caught there.
 *
 * @example
 *   const rule = compileRules({ encryptedRegex: '^(data|stringData)$' }, 'Secret/web/db');
 *   rule(['data', 'password'], 'ENC[...]') // => true
 *   rule(['metadata', 'name'], 'db')      // => false
 */
import { InvalidInputError } from '../errors/errors.ts';
import type { EncryptionRules } from './metadata.ts';

/** Decides, for a leaf at `path` holding `value`, whether sops encrypted it. */
export type EncryptedRule = (path: readonly string[], value: unknown) => boolean;

/** A Go RE2 pattern as a JavaScript RegExp: the common subset, plus a leading `(?i)`/`(?s)`/`(?m)` flag group. */
export function goRegExp(pattern: string, ref: string, field: string): RegExp {
  let source = pattern;
  let flags = 'u';
  const lead = /^\(\?([ims]+)\)/.exec(source);
  if (lead) {
    flags += lead[1] ?? '';
    source = source.slice(lead[0].length);
  }
  try {
    return new RegExp(source, flags);
  } catch {
    throw new InvalidInputError(
      `${ref} has a SOPS ${field} that is not a usable regular expression: ${JSON.stringify(pattern)}`,
      { data: { ref, field, pattern } },
    );
  }
}

const ENCRYPTED_FORM = /^ENC\[AES256_GCM,data:.+,iv:.+,tag:.+,type:.+\]/;

export function compileRules(rules: EncryptionRules, ref: string): EncryptedRule {
  const unencryptedRegex =
    rules.unencryptedRegex === undefined ? undefined : goRegExp(rules.unencryptedRegex, ref, 'unencrypted_regex');
  const encryptedRegex =
    rules.encryptedRegex === undefined ? undefined : goRegExp(rules.encryptedRegex, ref, 'encrypted_regex');
  const byComments = rules.unencryptedCommentRegex !== undefined || rules.encryptedCommentRegex !== undefined;
  const { unencryptedSuffix, encryptedSuffix } = rules;
  return (path, value) => {
    if (byComments) return typeof value === 'string' && ENCRYPTED_FORM.test(value);
    let encrypted = true;
    if (unencryptedSuffix !== undefined && path.some((k) => k.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix !== undefined) encrypted = path.some((k) => k.endsWith(encryptedSuffix));
    if (unencryptedRegex !== undefined && path.some((k) => unencryptedRegex.test(k))) encrypted = false;
    if (encryptedRegex !== undefined) encrypted = path.some((k) => encryptedRegex.test(k));
    return encrypted;
  };
}
