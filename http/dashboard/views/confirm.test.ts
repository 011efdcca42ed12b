import { describe, expect, it } from 'vitest';
import { confirmPage, type ConfirmModel } from './confirm.ts';

const empty = { added: [], removed: [], changed: [], unchanged: [] };

describe('the confirm page', () => {
  it('lists members the release would refuse, with the spec.adopt lines that take them over, escaped', () => {
    const model: ConfirmModel = {
      action: 'deploy',
      summary: 'Deploy web 1.0.0 to dev',
      fields: { bundle: 'web', version: '1.0.0', environment: 'dev' },
      versionDiff: null,
      clusters: [
        {
          cluster: 'c1',
          note: null,
          diff: {
            ...empty,
            foreign: [
              {
                ref: 'ConfigMap/shop/legacy',
                message: 'ConfigMap/shop/legacy exists and is not owned by bundle web; adopt it with spec.adopt',
                adopt: { kind: 'ConfigMap', namespace: 'shop', name: 'legacy' },
              },
              {
                ref: 'Service/shop/<api>',
                message: 'held by bundle api',
                adopt: { kind: 'Service', namespace: 'shop', name: '<api>' },
                claimedBy: 'api',
              },
            ],
            adopted: ['Secret/shop/db'],
            letGo: [{ ref: 'ConfigMap/shop/old', reason: 'adopted: released, never deleted' }],
            refusals: [],
          },
        },
      ],
    };
    const out = confirmPage({ model, ctx: { csrf: 't' } }).toString();
    expect(out).toContain('The release would be refused on this cluster, before any write');
    expect(out).toContain(
      '<code>ConfigMap/shop/legacy</code>: ConfigMap/shop/legacy exists and is not owned by bundle web; adopt it with spec.adopt',
    );
    // Only what no other bundle holds gets an adopt line.
    expect(out).toContain('spec:\n  adopt:\n  - { kind: ConfigMap, namespace: shop, name: legacy }</pre>');
    expect(out).not.toContain('name: <api>');
    expect(out).toContain('Service/shop/&lt;api&gt;');
    expect(out).toContain('Adopted (their state now is kept');
    expect(out).toContain('<li><code>ConfigMap/shop/old</code>: adopted: released, never deleted</li>');
  });

  it('says nothing of ownership when nothing would be refused, adopted or released', () => {
    const out = confirmPage({
      model: {
        action: 'deploy',
        summary: 'Deploy',
        fields: {},
        versionDiff: null,
        clusters: [
          { cluster: 'c1', note: null, diff: { ...empty, foreign: [], adopted: [], letGo: [], refusals: [] } },
        ],
      },
      ctx: { csrf: 't' },
    }).toString();
    expect(out).not.toContain('would be refused');
    expect(out).not.toContain('Adopted');
  });
});
