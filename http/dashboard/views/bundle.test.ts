import { describe, expect, it } from 'vitest';
import type { VersionView } from '../../../lib/index.ts';
import { signatureLine } from './bundle.ts';

const D = `sha256:${'d'.repeat(64)}`;
const K = `sha256:${'k'.repeat(64)}`;
const view = (signature: VersionView['signature']) => ({ digest: D, signature }) as VersionView;

describe("the version page's signature line", () => {
  it.each([
    { signature: { verified: true as const, keyId: K }, state: 'verified', text: [`signed by <code>${K}</code>`] },
    {
      signature: { verified: false as const, reason: 'unsigned' as const, detail: 'no signature is attached' },
      state: 'unsigned',
      text: ['>unsigned<', 'no signature is attached'],
    },
    {
      signature: { verified: false as const, reason: 'untrusted-key' as const, detail: 'signed by <x>' },
      state: 'untrusted-key',
      text: ['refused: untrusted-key', 'signed by &lt;x&gt;'],
    },
  ])('$state', ({ signature, state, text }) => {
    const out = signatureLine(view(signature)).toString();
    expect(out).toContain(`data-signature="${state}"`);
    for (const t of text) expect(out).toContain(t);
  });

  it('says nothing when the signature was not asked for', () => {
    expect(signatureLine(view(undefined)).toString()).toBe('');
  });
});
