import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { compileRules } from './rules.ts';

const ENC = 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]';

describe('compileRules mirrors sops shouldBeEncrypted', () => {
  it.each([
    { rules: {}, path: ['metadata', 'name'], want: true },
    { rules: { unencryptedSuffix: '_unencrypted' }, path: ['spec', 'note_unencrypted'], want: false },
    { rules: { unencryptedSuffix: '_unencrypted' }, path: ['a_unencrypted', 'b'], want: false },
    { rules: { unencryptedSuffix: '_unencrypted' }, path: ['spec', 'note'], want: true },
    { rules: { encryptedSuffix: '_enc' }, path: ['spec', 'note'], want: false },
    { rules: { encryptedSuffix: '_enc' }, path: ['spec_enc', 'note'], want: true },
    { rules: { encryptedRegex: '^(data|stringData)$' }, path: ['data', 'password'], want: true },
    { rules: { encryptedRegex: '^(data|stringData)$' }, path: ['metadata', 'name'], want: false },
    { rules: { encryptedRegex: '^(data|stringData)$' }, path: ['spec', 'data'], want: true },
    { rules: { encryptedRegex: 'ata' }, path: ['metadata', 'name'], want: true }, // unanchored, as Go's regexp.Match
    { rules: { encryptedRegex: '(?i)^DATA$' }, path: ['data', 'x'], want: true },
    { rules: { unencryptedRegex: '^metadata$' }, path: ['metadata', 'name'], want: false },
    { rules: { unencryptedRegex: '^metadata$' }, path: ['data', 'x'], want: true },
  ])('$rules at $path -> $want', ({ rules, path, want }) => {
    expect(compileRules(rules, 'Secret/web/db')(path, 'v')).toBe(want);
  });

  it('falls back on the value form when comment rules are set (comments are gone once parsed)', () => {
    const rule = compileRules({ encryptedCommentRegex: 'sops:enc' }, 'Secret/web/db');
    expect(rule(['a'], ENC)).toBe(true);
    expect(rule(['a'], 'plain')).toBe(false);
  });

  it('refuses a regex JavaScript cannot compile, naming the object', () => {
    expect(() => compileRules({ encryptedRegex: '(' }, 'Secret/web/db')).toThrow(InvalidInputError);
    expect(() => compileRules({ encryptedRegex: '(' }, 'Secret/web/db')).toThrow(/Secret\/web\/db.*encrypted_regex/);
  });
});
