import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { parseAgeIdentities } from './keys.ts';

const K1 = 'AGE-SECRET-KEY-1WYKMQXTZXZYR3LYAKSG6VAYV2YHCQ4GLV3EYAQNGKU4YKV2PK2NSDQCM44';
const K2 = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';

describe('parseAgeIdentities', () => {
  it.each([
    { name: 'one bare key', text: K1, want: [K1] },
    { name: 'age-keygen output', text: `# created: 2024-01-01T00:00:00Z\n# public key: age1abc\n${K1}\n`, want: [K1] },
    {
      name: 'several keys, CRLF, blank lines, indentation',
      text: `\r\n  ${K1}\r\n\r\n# second\r\n${K2}\r\n`,
      want: [K1, K2],
    },
    { name: 'duplicates kept once', text: `${K1}\n${K1}\n`, want: [K1] },
    {
      name: 'post-quantum identity',
      text: 'AGE-SECRET-KEY-PQ-1QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L',
      want: ['AGE-SECRET-KEY-PQ-1QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'],
    },
  ])('$name', ({ text, want }) => {
    expect(parseAgeIdentities({ text })).toEqual(want);
  });

  it.each([
    { name: 'empty', text: '', message: /SOPS_AGE_KEY: no age identity found/ },
    { name: 'comments only', text: '# public key: age1abc\n', message: /no age identity found/ },
    {
      name: 'a line that is not a key',
      text: `${K1}\nAGE-SECRET-KEY-1lowercase-is-not-bech32-${K1.slice(20)}\n`,
      message: /SOPS_AGE_KEY: line 2 is not an age identity/,
    },
    {
      name: 'a recipient instead of an identity',
      text: 'age1fwz9zhkal9xn2l66cah32yqhtws8lkhvappkhwq3lu8crt2xrc4q89yqqt',
      message: /line 1 is not an age identity/,
    },
  ])('refuses $name without echoing the text', ({ text, message }) => {
    let err: unknown;
    try {
      parseAgeIdentities({ text, source: 'SOPS_AGE_KEY' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    expect(e.message).toMatch(message);
    expect(JSON.stringify(e.toJSON())).not.toContain(K1.slice(16));
  });
});
