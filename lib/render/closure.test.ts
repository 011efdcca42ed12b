import { describe, expect, it } from 'vitest';
import type { InvalidInputError } from '../errors/errors.ts';
import { resolveClosure } from './closure.ts';
import type { RepoFile } from './renderer.ts';

function repo(files: Record<string, string>) {
  const all: RepoFile[] = Object.entries(files).map(([path, text], i) => ({
    path,
    oid: `oid${i}-${text.length}`,
    text,
  }));
  const asked: string[] = [];
  const read = async (dir: string) => {
    asked.push(dir);
    return all.filter((f) => dir === '' || f.path === dir || f.path.startsWith(`${dir}/`));
  };
  return { read, asked };
}

const base = {
  'apps/web/base/kustomization.yaml':
    'resources: [deployment.yaml, service.yaml]\nconfigMapGenerator: [{name: web, files: [config/app.properties]}]\n',
  'apps/web/base/deployment.yaml': 'kind: Deployment',
  'apps/web/base/service.yaml': 'kind: Service',
  'apps/web/base/config/app.properties': 'a=b',
  'apps/web/base/unused.yaml': 'kind: ConfigMap',
  'apps/web/overlays/prod/kustomization.yaml': 'resources: [../../base, pdb.yaml]\npatches: [{path: replicas.yaml}]\n',
  'apps/web/overlays/prod/pdb.yaml': 'kind: PodDisruptionBudget',
  'apps/web/overlays/prod/replicas.yaml': 'kind: Deployment',
  'apps/other/kustomization.yaml': 'resources: []',
};

describe('resolveClosure', () => {
  it('follows the overlay to its base: every file the build reads, nothing else', async () => {
    const c = await resolveClosure({ dir: 'apps/web/overlays/prod', read: repo(base).read });
    expect(c.files.map((f) => f.path)).toEqual([
      'apps/web/base/config/app.properties',
      'apps/web/base/deployment.yaml',
      'apps/web/base/kustomization.yaml',
      'apps/web/base/service.yaml',
      'apps/web/overlays/prod/kustomization.yaml',
      'apps/web/overlays/prod/pdb.yaml',
      'apps/web/overlays/prod/replicas.yaml',
    ]);
    expect(c.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('gives the same key for the same inputs and another when an input changes', async () => {
    const a = await resolveClosure({ dir: 'apps/web/overlays/prod', read: repo(base).read });
    const unrelated = await resolveClosure({
      dir: 'apps/web/overlays/prod',
      read: repo({ ...base, 'apps/other/x.yaml': 'kind: Secret', 'apps/web/base/unused.yaml': 'changed' }).read,
    });
    const changed = await resolveClosure({
      dir: 'apps/web/overlays/prod',
      read: repo({ ...base, 'apps/web/overlays/prod/pdb.yaml': 'kind: PodDisruptionBudget # v2' }).read,
    });
    expect(unrelated.digest).toBe(a.digest);
    expect(changed.digest).not.toBe(a.digest);
  });

  it.each([
    [
      'a remote base',
      { 'k/kustomization.yaml': 'resources: [github.com/acme/base?ref=v1]' },
      /^k\/kustomization\.yaml: resources\[0\] github\.com\/acme\/base\?ref=v1: remote reference refused \(render\.allowRemote is never; the bundle must also set spec\.kustomize\.allowRemote\): renders read the repository at the commit only$/,
    ],
    [
      'an https resource',
      { 'k/kustomization.yaml': 'resources: [https://example.com/x.yaml]' },
      /resources\[0\] https:\/\/example\.com\/x\.yaml: remote reference refused/,
    ],
    [
      'a path leaving the repository',
      { 'k/kustomization.yaml': 'resources: [../../outside]' },
      /k\/kustomization\.yaml: resources\[0\] "\.\.\/\.\.\/outside" leaves the repository/,
    ],
    [
      'an absolute path',
      { 'k/kustomization.yaml': 'resources: [/etc/passwd]' },
      /"\/etc\/passwd" leaves the repository/,
    ],
    [
      'a missing file',
      { 'k/kustomization.yaml': 'resources: [nope.yaml]' },
      /"nope\.yaml" is neither a file nor a directory of the repository/,
    ],
    [
      'a directory without a kustomization',
      { 'k/kustomization.yaml': 'resources: [../plain]', 'plain/x.yaml': 'kind: ConfigMap' },
      /no kustomization .* in plain/,
    ],
    [
      'a secretGenerator over a SOPS file',
      {
        'k/kustomization.yaml': 'secretGenerator: [{name: creds, envs: [creds.env]}]',
        'k/creds.env': 'PASSWORD=ENC[AES256_GCM,data:abc,type:str]\nsops_version=3.11.0\n',
      },
      /secretGenerator creds reads k\/creds\.env, which is SOPS-encrypted/,
    ],
    ['a Helm chart inside Kustomize', { 'k/kustomization.yaml': 'helmCharts: [{name: x}]' }, /inflates Helm charts/],
  ])('refuses %s, naming the kustomization', async (_name, files, message) => {
    await expect(resolveClosure({ dir: 'k', read: repo(files).read })).rejects.toThrow(message);
  });

  const remoteBase = { 'k/kustomization.yaml': 'resources: [github.com/acme/base?ref=v1]' };
  const policy = (operator: 'never' | 'bundle', bundle: boolean) => ({
    operator,
    bundle,
    bundleSetting: 'spec.kustomize.allowRemote',
  });

  it('lets remote bases through only when drover.yaml and the bundle both allow them, and keys on them', async () => {
    const c = await resolveClosure({ dir: 'k', read: repo(remoteBase).read, remote: policy('bundle', true) });
    expect(c.remote).toEqual(['github.com/acme/base?ref=v1']);
    const refused = (operator: 'never' | 'bundle', bundle: boolean) =>
      resolveClosure({ dir: 'k', read: repo(remoteBase).read, remote: policy(operator, bundle) }).then(
        () => undefined,
        (e: InvalidInputError) => [e.message.replace(/^.*remote reference refused /, ''), e.data.reason],
      );
    expect(await refused('never', true)).toEqual([
      '(render.allowRemote is never): renders read the repository at the commit only',
      'remote',
    ]);
    expect(await refused('bundle', false)).toEqual([
      '(spec.kustomize.allowRemote is not set): renders read the repository at the commit only',
      'remote',
    ]);
  });

  it('refuses a file:// reference whatever the settings: it reads the host disk', async () => {
    const files = { 'k/kustomization.yaml': 'resources: ["file:///srv/git/base.git"]' };
    await expect(resolveClosure({ dir: 'k', read: repo(files).read, remote: policy('bundle', true) })).rejects.toThrow(
      /resources\[0\] file:\/\/\/srv\/git\/base\.git: remote reference refused \(file:\/\/ reads the disk of the host/,
    );
  });

  it('reads a path that only looks like a host name from the repository when the repository has it', async () => {
    const files = {
      'k/kustomization.yaml': 'resources: [web.prod/cm.yaml]',
      'k/web.prod/cm.yaml': 'kind: ConfigMap',
    };
    const c = await resolveClosure({ dir: 'k', read: repo(files).read });
    expect(c.files.map((f) => f.path)).toEqual(['k/kustomization.yaml', 'k/web.prod/cm.yaml']);
    await expect(
      resolveClosure({ dir: 'k', read: repo({ 'k/kustomization.yaml': 'resources: [example.com/org/repo]' }).read }),
    ).rejects.toThrow(/resources\[0\] example\.com\/org\/repo: remote reference refused/);
  });

  it('asks for each directory once', async () => {
    const r = repo(base);
    await resolveClosure({ dir: 'apps/web/overlays/prod', read: r.read });
    expect(r.asked.length).toBe(new Set(r.asked).size);
  });
});
