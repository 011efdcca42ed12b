// Bringing Drover to a cluster that already runs the application, through
// the real CLI, kustomize, Git server, registry and kubectl: the objects a
// person made by hand are foreign to the new bundle. `drover diff --cluster`
// lists them with the `spec.adopt` lines that would take them over, a deploy
// is refused before any write (each hand-made object as it was), and once
// the Bundle says `spec.adopt` the same objects are taken over in place:
// same uid, now the bundle's, listed as adopted in its history.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTargetWorkspace, type TargetWorkspace } from '../../fixtures/testenv/target-workspace.ts';
import { testEnv } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();
const c1 = env.clusters[0]!;
let t: TargetWorkspace;

beforeAll(async () => {
  t = await openTargetWorkspace({
    env,
    fixture: join(import.meta.dirname, '..', '..', 'fixtures', 'repos', 'overlays'),
    name: 'adopt',
    substitute: ['bundle.yaml', 'web/overlays/dev/kustomization.yaml', 'web/overlays/prod/kustomization.yaml'],
  });
});
afterAll(() => t.close());

describe('an application someone already runs by hand', () => {
  it('diff --cluster names what is foreign and the spec.adopt that takes it; deploy refuses; with spec.adopt it is taken over in place', async () => {
    await t.kubectl(c1, [
      'create',
      'configmap',
      'web-config',
      '--from-literal=LOG_LEVEL=info',
      '--from-literal=BY_HAND=yes',
    ]);
    const before = JSON.parse(await t.kubectl(c1, ['get', 'configmap', 'web-config', '-o', 'json'])) as {
      metadata: { uid: string; resourceVersion: string };
    };
    expect((await t.drover(['cut'])).code).toBe(0);

    const d = await t.drover(['diff', `${t.bundle}@1.0.0`, '--cluster', 'c1']);
    expect(d.code).toBe(0);
    expect(d.json.foreign).toEqual([
      {
        ref: `ConfigMap/${t.ns}/web-config`,
        message: `ConfigMap/${t.ns}/web-config exists and is not owned by bundle ${t.bundle}; adopt it with spec.adopt`,
        adopt: { kind: 'ConfigMap', namespace: t.ns, name: 'web-config' },
      },
    ]);
    const human = await t.droverText(['diff', `${t.bundle}@1.0.0`, '--cluster', 'c1']);
    expect(human).toContain(
      `! ConfigMap/${t.ns}/web-config: ConfigMap/${t.ns}/web-config exists and is not owned by bundle ${t.bundle}`,
    );
    expect(human).toContain(`      - { kind: ConfigMap, namespace: ${t.ns}, name: web-config }`);

    const refused = await t.drover(['deploy', `${t.bundle}@1.0.0`, '--env', 'dev']);
    expect(refused.code).not.toBe(0);
    expect(refused.json.clusters[0]).toMatchObject({
      cluster: 'c1',
      reason: 'ForeignObject',
      refused: true,
      message: expect.stringContaining(`ConfigMap/${t.ns}/web-config exists and is not owned by bundle ${t.bundle}`),
    });
    expect(await t.exists(c1, 'deployment', 'web')).toBe(false);
    const still = JSON.parse(await t.kubectl(c1, ['get', 'configmap', 'web-config', '-o', 'json'])) as typeof before;
    expect(still.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    await t.commit('adopt the hand-made config', (dir) => {
      const file = join(dir, 'bundle.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'spec:\n',
          `spec:\n  adopt:\n    - {kind: ConfigMap, namespace: ${t.ns}, name: web-config}\n`,
        ),
      );
    });
    expect((await t.drover(['cut'])).code).toBe(0);
    const preview = await t.drover(['diff', `${t.bundle}@1.0.1`, '--cluster', 'c1']);
    expect(preview.json).toMatchObject({ foreign: [], adopted: [`ConfigMap/${t.ns}/web-config`] });
    const ok = await t.drover(['deploy', `${t.bundle}@1.0.1`, '--env', 'dev']);
    expect(ok.code).toBe(0);
    const after = JSON.parse(await t.kubectl(c1, ['get', 'configmap', 'web-config', '-o', 'json'])) as typeof before & {
      data: Record<string, string>;
      metadata: { labels: Record<string, string> };
    };
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.data.LOG_LEVEL).toBe('debug');
    expect(after.metadata.labels['drover.dev/bundle']).toBe(t.bundle);
    const history = await t.drover(['history', t.bundle, '--cluster', 'c1']);
    expect(history.json[0].steps.at(-1).message).toContain(`(adopted: ConfigMap/${t.ns}/web-config)`);
  });
});
