// Issue acceptance for cutting versions, through the real CLI against the
// real Git server and registry: a commit that changes only the ConfigMap of
// bundle web cuts exactly web@1.0.1; cutting again uploads nothing; two cuts
// of one commit into two empty stores give the same manifest digest; bad
// input cuts nothing and names the file (cut-bad-input.int.test.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import {
  cli,
  drover,
  execFileP,
  pushChange,
  scratch,
  shopFixture as fixture,
  workspace,
} from '../../fixtures/testenv/cut-workspace.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();

describe('drover cut', () => {
  it('cuts one version per bundle, then only the bundle whose member changed', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const ws = workspace(url, `oci://${env.registry.host}/${uniqueName('t')}`);
    const first = await drover(ws, ['cut']);
    expect(first.code).toBe(0);
    expect(first.json.cut.map((c: { bundle: string; version: string }) => `${c.bundle}@${c.version}`).sort()).toEqual([
      'api@1.0.0',
      'web@1.0.0',
      'worker@1.0.0',
    ]);

    await pushChange(
      url,
      (d) =>
        writeFileSync(
          join(d, 'web', 'config.yaml'),
          readFileSync(join(d, 'web', 'config.yaml'), 'utf8').replace('info', 'debug'),
        ),
      'web: debug logs',
    );
    const second = await drover(ws, ['cut']);
    expect(second.code).toBe(0);
    expect(second.json.cut).toHaveLength(1);
    expect(second.json.cut[0]).toMatchObject({
      bundle: 'web',
      version: '1.0.1',
      parent: '1.0.0',
      changedMembers: ['ConfigMap/shop/web-config'],
    });
    expect(second.json.unchanged.sort()).toEqual(['api', 'worker']);

    const again = await drover(ws, ['cut']);
    expect(again.json.cut).toEqual([]);
    expect(again.json.sources[0].moved).toBe(false);

    const versions = await drover(ws, ['versions', 'web']);
    expect(versions.json.map((v: { version: string }) => v.version)).toEqual(['1.0.1', '1.0.0']);

    const shown = await drover(ws, ['show', 'web@1.0.1']);
    expect(shown.json).toMatchObject({
      bundle: 'web',
      version: '1.0.1',
      parent: '1.0.0',
      config: { provenance: { changedPaths: ['web/config.yaml'], parent: '1.0.0' } },
    });

    const discovered = await drover(ws, ['discover', '--bundle', 'web']);
    expect(discovered.json[0].members.map((m: { ref: string; via: string }) => [m.ref, m.via])).toEqual(
      expect.arrayContaining([
        ['Deployment/shop/web', 'root'],
        ['ConfigMap/shop/web-config', 'envFrom'],
        ['Service/shop/web', 'selector'],
      ]),
    );
    const lint = await drover(ws, ['lint', '--bundle', 'web']);
    expect(lint.code).toBe(0);
    expect(
      lint.json.every((f: { bundle: string; severity: string }) => f.bundle === 'web' && f.severity === 'warning'),
    ).toBe(true);

    const diff = await drover(ws, ['diff', 'web@1.0.0', 'web@1.0.1']);
    expect(diff.json.added).toEqual([]);
    expect(diff.json.removed).toEqual([]);
    expect(diff.json.changed).toEqual([
      {
        ref: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'web-config' },
        fields: [{ path: 'data.LOG_LEVEL', pointer: '/data/LOG_LEVEL', op: 'changed', before: 'info', after: 'debug' }],
      },
    ]);
  });

  it('reads every commit since the last cut for the bump, each bundle only its own', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const ws = workspace(url, `oci://${env.registry.host}/${uniqueName('t')}`);
    expect((await drover(ws, ['cut'])).code).toBe(0);
    const edit = (file: string, from: string, to: string) => (d: string) =>
      writeFileSync(join(d, file), readFileSync(join(d, file), 'utf8').replace(from, to));
    // Three pushes, one cut: web gets a feat two commits before a fix at the head; api gets only a fix.
    await pushChange(url, edit('web/config.yaml', 'info', 'debug'), 'feat(web): debug logs');
    await pushChange(url, edit('api/config.yaml', 'info', 'warn'), 'fix(api): quieter');
    await pushChange(url, (d) => writeFileSync(join(d, 'NOTES.md'), 'notes\n'), 'fix: notes');
    const cut = await drover(ws, ['cut']);
    expect(cut.code).toBe(0);
    expect(
      cut.json.cut.map((c: { bundle: string; version: string; bump: string }) => [c.bundle, c.version, c.bump]).sort(),
    ).toEqual([
      ['api', '1.0.1', 'patch'],
      ['web', '1.1.0', 'minor'],
    ]);
  });

  it('stores versions the ORAS CLI pulls from the registry and from the on-disk layout', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const prefix = uniqueName('oras');
    const layout = join(scratch, uniqueName('layout'));
    expect(
      (await drover(workspace(url, `oci://${env.registry.host}/${prefix}`), ['cut', '--bundle', 'web'])).code,
    ).toBe(0);
    expect((await drover(workspace(url, `oci-layout://${layout}`), ['cut', '--bundle', 'web'])).code).toBe(0);
    const oras = [
      join(homedir(), 'go', 'bin', 'oras'),
      ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'oras')),
    ].find((p) => existsSync(p));
    if (!oras) throw new Error('oras CLI not found: run bash .ci/setup');
    for (const [args, out] of [
      [['pull', '--plain-http', `${env.registry.host}/${prefix}/web:1.0.0`], join(scratch, uniqueName('pull-reg'))],
      [['pull', '--oci-layout', `${join(layout, 'web')}:1.0.0`], join(scratch, uniqueName('pull-layout'))],
    ] as const) {
      mkdirSync(out);
      await execFileP(oras, [...args, '-o', out]);
      const tarball = readdirSync(out).find((f) => f.endsWith('.tar.gz'));
      expect(tarball).toBe('web-1.0.0.tar.gz');
      const listing = (await execFileP('tar', ['-tzf', join(out, tarball!)])).stdout.split('\n').filter(Boolean).sort();
      expect(listing).toEqual([
        'shop/apps/Deployment/web.json',
        'shop/core/ConfigMap/web-config.json',
        'shop/core/Service/web.json',
      ]);
    }
  });

  it('gives the same manifest digest for the same commit in two empty stores', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const a = await drover(workspace(url, `oci://${env.registry.host}/${uniqueName('a')}`), ['cut', '--bundle', 'api']);
    const b = await drover(workspace(url, `oci-layout://${join(scratch, uniqueName('layout'))}`), [
      'cut',
      '--bundle',
      'api',
    ]);
    expect(a.json.cut[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.json.cut[0].digest).toBe(a.json.cut[0].digest);
  });

  it('shows references to objects not in the repository, and lint warns of them unless spec.exclude declares them', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const ws = workspace(url, `oci://${env.registry.host}/${uniqueName('t')}`);
    const withCreds = (d: string) => {
      const dep = join(d, 'web', 'deployment.yaml');
      writeFileSync(
        dep,
        readFileSync(dep, 'utf8').replace(
          'envFrom: [{configMapRef: {name: web-config}}]',
          'envFrom: [{configMapRef: {name: web-config}}, {secretRef: {name: web-creds}}]',
        ),
      );
    };
    await pushChange(url, withCreds, 'web reads credentials from the cluster');
    const human = await execFileP(process.execPath, [cli, 'discover', '--bundle', 'web'], { cwd: ws });
    expect(human.stdout).toMatch(/^unresolved: referenced but not in the repository/m);
    expect(human.stdout).toMatch(/^Secret\/shop\/web-creds\s+envFrom\s+Deployment\/shop\/web$/m);
    const lint = await drover(ws, ['lint', '--bundle', 'web']);
    expect(lint.json.filter((f: { rule: string }) => f.rule === 'unresolved-reference')).toEqual([
      {
        bundle: 'web',
        rule: 'unresolved-reference',
        severity: 'warning',
        ref: 'Deployment/shop/web',
        message: expect.stringMatching(
          /^references Secret\/shop\/web-creds \(envFrom\), which is not in the repository/,
        ),
      },
    ]);
    // Every lint message names its object once: in `ref`, not again in the message.
    for (const f of lint.json as { ref: string; message: string }[]) expect(f.message).not.toContain(f.ref);
    await pushChange(
      url,
      (d) =>
        writeFileSync(
          join(d, 'bundles.yaml'),
          readFileSync(join(d, 'bundles.yaml'), 'utf8').replace(
            '  roots: [{kind: Deployment, name: web}]',
            '  roots: [{kind: Deployment, name: web}]\n  exclude: [{kind: Secret, name: web-creds}]',
          ),
        ),
      'web-creds is managed elsewhere',
    );
    const excluded = await drover(ws, ['lint', '--bundle', 'web']);
    expect(excluded.json.filter((f: { rule: string }) => f.rule === 'unresolved-reference')).toEqual([]);
  });

  it('a plain bundle with targets: one layer per target, each patched as its target says', async () => {
    const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
    const ws = workspace(url, `oci://${env.registry.host}/${uniqueName('t')}`);
    await pushChange(
      url,
      (d) =>
        writeFileSync(
          join(d, 'bundles.yaml'),
          readFileSync(join(d, 'bundles.yaml'), 'utf8').replace(
            '  roots: [{kind: Deployment, name: web}]',
            `  roots: [{kind: Deployment, name: web}]
  targets:
    - {name: dev}
    - name: prod
      patches:
        - {target: {kind: Deployment, name: web}, merge: {spec: {replicas: 3}}}
        - {target: {kind: ConfigMap, name: web-config}, json: [{op: replace, path: /data/LOG_LEVEL, value: warn}]}`,
          ),
        ),
      'web: dev and prod',
    );
    const cut = await drover(ws, ['cut', '--bundle', 'web']);
    expect(cut.code).toBe(0);
    expect(cut.json.cut[0]).toMatchObject({ bundle: 'web', version: '1.0.0', targets: ['dev', 'prod'] });
    const diff = await drover(ws, ['diff', 'web@1.0.0', 'web@1.0.0', '--target', 'prod']);
    expect(diff.json.changed).toEqual([]);
    const shown = await drover(ws, ['show', 'web@1.0.0']);
    const [dev, prod] = shown.json.config.targets as { name: string; members: { kind: string; digest: string }[] }[];
    const digest = (t: typeof dev, kind: string) => t!.members.find((m) => m.kind === kind)!.digest;
    expect(digest(dev!, 'Service')).toBe(digest(prod!, 'Service'));
    expect(digest(dev!, 'Deployment')).not.toBe(digest(prod!, 'Deployment'));
    expect(digest(dev!, 'ConfigMap')).not.toBe(digest(prod!, 'ConfigMap'));
    // A patch that matches nothing refuses the bundle, naming its target and patch.
    await pushChange(
      url,
      (d) =>
        writeFileSync(
          join(d, 'bundles.yaml'),
          readFileSync(join(d, 'bundles.yaml'), 'utf8').replace(
            'kind: ConfigMap, name: web-config',
            'kind: ConfigMap, name: nope',
          ),
        ),
      'a patch that matches nothing',
    );
    const refused = await drover(ws, ['cut', '--bundle', 'web']);
    expect(refused.code).toBe(3);
    expect(refused.json.error.message).toMatch(
      /bundles\.yaml: bundle web, target prod: patches\[1\]: its target matches no member/,
    );
  });
});
