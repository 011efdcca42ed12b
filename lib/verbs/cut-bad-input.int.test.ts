// Issue acceptance for cutting versions: bad input (malformed YAML, an alias
// bomb, a plaintext Secret, a duplicate object, an object two bundles claim,
// a symlink out of the repository) cuts nothing and names the file or
// object, through the real CLI against the real Git server and registry.
// Split from cut.int.test.ts so the two run side by side.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drover, pushChange, shopFixture as fixture, workspace } from '../../fixtures/testenv/cut-workspace.ts';
import { createRepo } from '../../fixtures/testenv/git-server.ts';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';

const env = testEnv();

describe('drover cut', () => {
  it.each([
    ['malformed YAML', 'web/config.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n', /web\/config\.yaml/],
    [
      'a YAML alias bomb',
      'bomb.yaml',
      `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n')}\n`,
      /bomb\.yaml/,
    ],
    [
      'a plaintext Secret',
      'web/secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: web-secret, namespace: shop}\nstringData: {password: hunter2-canary}\n',
      /Secret\/shop\/web-secret/,
    ],
    [
      'a duplicate object',
      'web/copy.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config, namespace: shop}\ndata: {LOG_LEVEL: warn}\n',
      /web\/config\.yaml.*web\/copy\.yaml|web\/copy\.yaml.*web\/config\.yaml/,
    ],
    [
      'an object claimed by two bundles',
      'api/steal.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api2, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api2}}\n  template:\n    metadata: {labels: {app: api2}}\n    spec: {containers: [{name: c, image: x, envFrom: [{configMapRef: {name: web-config}}]}]}\n---\napiVersion: drover.dev/v1alpha1\nkind: Bundle\nmetadata: {name: api2}\nspec: {namespace: shop, roots: [{kind: Deployment, name: api2}]}\n',
      /ConfigMap\/shop\/web-config/,
    ],
    ['a symlink pointing outside the repository', 'web/evil.yaml', null, /web\/evil\.yaml/],
  ] as [string, string, string | null, RegExp][])(
    'refuses %s, naming the file or object, and cuts nothing',
    async (what, path, text, names) => {
      const url = await createRepo(env.git, { name: uniqueName('shop'), fixtureDir: fixture });
      const ws = workspace(url, `oci://${env.registry.host}/${uniqueName('bad')}`);
      expect((await drover(ws, ['cut'])).code).toBe(0);
      await pushChange(
        url,
        (d) => {
          if (text === null) symlinkSync('/etc/passwd', join(d, path));
          else writeFileSync(join(d, path), text);
          if (path === 'web/secret.yaml') {
            const dep = join(d, 'web', 'deployment.yaml');
            writeFileSync(
              dep,
              readFileSync(dep, 'utf8').replace(
                'envFrom: [{configMapRef: {name: web-config}}]',
                'envFrom: [{configMapRef: {name: web-config}}, {secretRef: {name: web-secret}}]',
              ),
            );
          }
        },
        'bad input',
      );
      const r = await drover(ws, ['cut']);
      // A claim by two bundles is a conflict (exit 5); the rest is invalid input (exit 3).
      expect(r.code).toBe(what.includes('two bundles') ? 5 : 3);
      expect(r.json.error.message).toMatch(names);
      expect(JSON.stringify(r.json)).not.toContain('hunter2-canary');
      const versions = await drover(ws, ['versions', 'web']);
      expect(versions.json.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    },
  );
});
