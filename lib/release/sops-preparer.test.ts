import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnvironmentConfig } from '../config/config.ts';
import { NotFoundError } from '../errors/errors.ts';
import { loadObjects } from '../object/yaml.ts';
import { sopsPreparer } from './sops-preparer.ts';

const testdata = join(import.meta.dirname, '..', 'sops', 'testdata');
const environment = (name: string, ageKey?: EnvironmentConfig['ageKey']): EnvironmentConfig => ({
  name,
  clusters: ['c1'],
  waves: [{ clusters: ['c1'] }],
  promotion: { mode: 'manual', healthyForSeconds: 0 },
  timeoutSeconds: 60,
  onFailure: 'revert',
  createNamespace: false,
  requireSignatures: false,
  ...(ageKey ? { ageKey } : {}),
});
const encrypted = async () =>
  loadObjects({
    files: [{ path: 'secret.enc.yaml', text: await readFile(join(testdata, 'secret.enc.yaml'), 'utf8') }],
  })[0]!.object;
const plain = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };

describe('sopsPreparer', () => {
  it('passes members without SOPS metadata through without looking for a key', async () => {
    const prepare = sopsPreparer({ environments: [environment('dev')], env: {} });
    expect(await prepare(plain)).toBe(plain);
  });

  it('decrypts with the identity in the configured variable, or in the configured file', async () => {
    const key = await readFile(join(testdata, 'age-test-key.txt'), 'utf8');
    const fromEnv = sopsPreparer({ environments: [environment('dev', { env: 'AGE' })], env: { AGE: key } });
    expect(await fromEnv(await encrypted())).toHaveProperty('stringData.password', 'test-fixture-password');
    const fromFile = sopsPreparer({
      environments: [environment('dev', { file: join(testdata, 'age-test-key.txt') })],
      env: {},
    });
    expect(await fromFile(await encrypted())).toHaveProperty('stringData.password', 'test-fixture-password');
  });

  it('takes identities from every environment given (recovery), skipping those without a key', async () => {
    const key = await readFile(join(testdata, 'age-test-key.txt'), 'utf8');
    const prepare = sopsPreparer({
      environments: [environment('dev'), environment('prod', { env: 'PROD_AGE' })],
      env: { PROD_AGE: key },
    });
    expect(await prepare(await encrypted())).toHaveProperty('stringData.port', '5432');
  });

  it('refuses a SOPS member without a key, naming the environment, and tries again once the key is set', async () => {
    const env: NodeJS.ProcessEnv = {};
    const prepare = sopsPreparer({ environments: [environment('prod', { env: 'PROD_AGE' })], env });
    const err = await prepare(await encrypted()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/age key: set ageKey for environment prod/);
    env.PROD_AGE = await readFile(join(testdata, 'age-test-key.txt'), 'utf8');
    expect(await prepare(await encrypted())).toHaveProperty('stringData.password', 'test-fixture-password');
  });
});
