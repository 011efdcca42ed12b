// Every renderer in the list is wired the whole way: a Bundle document can
// ask for it, drover.yaml can configure it, .ci/setup installs the binary it
// names, and the driver picks it (and only it) for such a bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import bundleSchema from '../../schemas/bundle.schema.json' with { type: 'json' };
import droverSchema from '../../schemas/drover.schema.json' with { type: 'json' };
import type { BundleDocument, HelmSpec } from '../bundle/bundle-doc.ts';
import { ownedPaths, rendererOf } from './render-bundle.ts';
import { RENDERERS } from './renderers.ts';

const root = join(import.meta.dirname, '..', '..');
const bundle = (spec: Partial<BundleDocument['spec']>) =>
  ({ name: 'web', file: 'apps/web/bundle.yaml', spec: { roots: [], ...spec } }) as unknown as BundleDocument;
const helm: HelmSpec = {
  chart: 'charts/web',
  values: ['charts/web/values-common.yaml'],
  set: {},
  releaseName: 'web',
  namespace: 'shop',
  namespaceGiven: true,
  hooks: 'refuse',
  allowRemote: false,
};

describe('RENDERERS', () => {
  it.each(RENDERERS.map((r) => [r.name, r] as const))('%s is declared, configurable and installed', (name, r) => {
    expect(Object.keys(bundleSchema.properties.spec.properties)).toContain(name);
    expect(Object.keys(droverSchema.properties.render.properties)).toContain(name);
    expect(readFileSync(join(root, '.ci', 'setup'), 'utf8')).toContain(r.install);
  });

  it('names each renderer once', () => {
    expect(new Set(RENDERERS.map((r) => r.name)).size).toBe(RENDERERS.length);
  });
});

describe('rendererOf and ownedPaths', () => {
  it.each([
    ['plain YAML', bundle({}), undefined, []],
    [
      'kustomize, with per-target overlays',
      bundle({
        kustomize: { path: 'apps/web/base', allowRemote: false },
        targets: [{ name: 'dev' }, { name: 'prod', path: 'apps/web/overlays/prod' }],
      }),
      'kustomize',
      ['apps/web/base', 'apps/web/overlays/prod'],
    ],
    [
      'helm, with per-target values',
      bundle({ helm, targets: [{ name: 'prod', values: ['charts/web/values-prod.yaml'] }] }),
      'helm',
      ['charts/web', 'charts/web/values-common.yaml', 'charts/web/values-prod.yaml'],
    ],
  ])('%s', (_what, b, name, owned) => {
    expect(rendererOf(b)?.name).toBe(name);
    expect(ownedPaths(b)).toEqual(owned);
  });
});
