import { describe, expect, it } from 'vitest';
import * as sops from './index.ts';

describe('lib/sops public surface', () => {
  it('exports exactly these functions', () => {
    expect(Object.keys(sops).sort()).toEqual([
      'decryptSopsObject',
      'isSopsEncrypted',
      'parseAgeIdentities',
      'sopsRecipients',
    ]);
  });
});
