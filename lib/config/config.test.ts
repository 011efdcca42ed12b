import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import { selfHealFor } from './assemble.ts';
import { resolveConfig } from './config.ts';

const file = '/work/app/drover.yaml';
const base = {
  apiVersion: 'drover.dev/v1alpha1',
  kind: 'Config',
  sources: [{ name: 'apps', url: 'http://git.example/apps.git' }],
};

describe('resolveConfig', () => {
  it('fills defaults and resolves paths against the file', () => {
    const c = resolveConfig({
      doc: { ...base, sources: [{ name: 'local', url: './repo' }] },
      file,
      env: { HOME: '/home/u' },
    });
    expect(c.sources[0]).toMatchObject({ url: '/work/app/repo', branch: 'main', schedule: '*/1 * * * *' });
    expect(c.registry).toBe('oci-layout:///work/app/.drover/registry');
    expect(c.state).toBe('/work/app/.drover/state.db');
    expect(c.kubeconfig).toBe('/home/u/.kube/config');
  });

  it('bounds the render cache at 512 MiB unless render.cacheMaxBytes says otherwise, and refuses a negative size', () => {
    expect(resolveConfig({ doc: base, file }).render.cacheMaxBytes).toBe(536_870_912);
    expect(resolveConfig({ doc: { ...base, render: { cacheMaxBytes: 0 } }, file }).render.cacheMaxBytes).toBe(0);
    expect(() => resolveConfig({ doc: { ...base, render: { cacheMaxBytes: -1 } }, file })).toThrow(InvalidInputError);
  });

  it('refuses remote references in renders by default; render.allowRemote: bundle lets bundles opt in', () => {
    expect(resolveConfig({ doc: base, file }).render.allowRemote).toBe('never');
    expect(resolveConfig({ doc: { ...base, render: { allowRemote: 'bundle' } }, file }).render.allowRemote).toBe(
      'bundle',
    );
    expect(() => resolveConfig({ doc: { ...base, render: { allowRemote: 'always' } }, file })).toThrow(
      InvalidInputError,
    );
  });

  it('takes KUBECONFIG when the file names none', () => {
    expect(resolveConfig({ doc: base, file, env: { KUBECONFIG: '/k/a:/k/b' } }).kubeconfig).toBe('/k/a');
  });

  it('defaults waves to one wave of the environment clusters and contexts to cluster names', () => {
    const c = resolveConfig({
      doc: {
        ...base,
        clusters: [{ name: 'c1' }, { name: 'c2', context: 'ctx2' }],
        environments: [{ name: 'dev', clusters: ['c1', 'c2'] }],
      },
      file,
    });
    expect(c.clusters.map((x) => x.context)).toEqual(['c1', 'ctx2']);
    expect(c.environments[0]).toMatchObject({
      waves: [{ clusters: ['c1', 'c2'] }],
      promotion: { mode: 'manual', healthyForSeconds: 600 },
      timeoutSeconds: 300,
      onFailure: 'revert',
    });
  });

  it('keeps an environment that asks to keep the version where it was healthy', () => {
    const c = resolveConfig({
      doc: {
        ...base,
        clusters: [{ name: 'c1' }],
        environments: [{ name: 'prod', clusters: ['c1'], onFailure: 'keep' }],
      },
      file,
    });
    expect(c.environments[0]!.onFailure).toBe('keep');
  });

  it('defaults drift to report and serve to loopback, and lets a bundle override self-heal', () => {
    const c = resolveConfig({ doc: { ...base, bundles: { web: { selfHeal: 'heal' } } }, file });
    expect(c.drift).toEqual({ selfHeal: 'report', scanIntervalSeconds: 300 });
    expect(c.serve).toMatchObject({
      listen: '127.0.0.1:7070',
      tokenEnv: 'DROVER_API_TOKEN',
      webhook: { maxBodyBytes: 1_048_576 },
    });
    expect(selfHealFor(c, 'web')).toBe('heal');
    expect(selfHealFor(c, 'api')).toBe('report');
    expect(c.serve.publicUrl).toBeUndefined();
    expect(c.serve.metrics).toEqual({ requireToken: false });
  });

  it('takes serve.publicUrl and serve.metrics.listen as written', () => {
    const c = resolveConfig({
      doc: { ...base, serve: { publicUrl: 'https://drover.example.com', metrics: { listen: '0.0.0.0:9090' } } },
      file,
    });
    expect(c.serve.publicUrl).toBe('https://drover.example.com');
    expect(c.serve.metrics).toEqual({ requireToken: false, listen: '0.0.0.0:9090' });
  });

  it("gives each webhook provider its own secret; the older serve.webhook.secretEnv names GitHub's alone", () => {
    expect(resolveConfig({ doc: base, file }).serve.webhook.secretEnvs).toEqual({
      github: 'DROVER_WEBHOOK_SECRET',
      gitlab: 'DROVER_GITLAB_WEBHOOK_TOKEN',
      generic: 'DROVER_GENERIC_WEBHOOK_SECRET',
    });
    const older = resolveConfig({ doc: { ...base, serve: { webhook: { secretEnv: 'HOOK' } } }, file });
    expect(older.serve.webhook.secretEnvs).toMatchObject({ github: 'HOOK', gitlab: 'DROVER_GITLAB_WEBHOOK_TOKEN' });
    const each = resolveConfig({
      doc: {
        ...base,
        serve: { webhook: { github: { secretEnv: 'GH' }, gitlab: { tokenEnv: 'GL' }, generic: { secretEnv: 'CI' } } },
      },
      file,
    });
    expect(each.serve.webhook.secretEnvs).toEqual({ github: 'GH', gitlab: 'GL', generic: 'CI' });
  });

  it.each([
    [{ ...base, kind: 'Nope' }, /kind/],
    [{ ...base, drift: { selfHeal: 'fix' } }, /selfHeal/],
    [{ ...base, serve: { listen: 'nowhere' } }, /listen/],
    [{ ...base, serve: { publicUrl: 'drover.example.com' } }, /publicUrl/],
    [{ ...base, serve: { publicUrl: 'https://drover.example.com/ui' } }, /publicUrl/],
    [{ ...base, serve: { metrics: { listen: '9090' } } }, /listen/],
    [{ ...base, sources: [] }, /sources/],
    [{ ...base, registry: 'http://x' }, /registry/],
    [{ ...base, sources: [{ name: 'Bad Name', url: 'x' }] }, /name/],
    [{ ...base, extra: 1 }, /additional/],
    [{ ...base, sources: [base.sources[0], base.sources[0]] }, /defined twice/],
    [{ ...base, clusters: [{ name: 'c1' }], environments: [{ name: 'dev', clusters: ['c9'] }] }, /cluster c9/],
    [
      { ...base, clusters: [{ name: 'c1' }], environments: [{ name: 'dev', clusters: ['c1'], onFailure: 'rollback' }] },
      /onFailure/,
    ],
  ])('refuses %j naming the file and the reason', (doc, reason) => {
    let err: unknown;
    try {
      resolveConfig({ doc, file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(reason);
  });
});
