import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.ts';
import {
  credentialsFromDockerConfig,
  dockerConfigPath,
  normalizeRegistryHost,
  readDockerCredentials,
} from './docker-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'drover-dockercfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dockerConfigPath', () => {
  it('prefers $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: '/etc/dc' }, homeDir: '/home/u' })).toBe('/etc/dc/config.json');
    expect(dockerConfigPath({ env: {}, homeDir: '/home/u' })).toBe('/home/u/.docker/config.json');
  });
});

describe('normalizeRegistryHost', () => {
  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['HTTP://LocalHost:5000/v2/', 'localhost:5000'],
  ])('%s -> %s', (k, v) => expect(normalizeRegistryHost(k)).toBe(v));
});

describe('credentialsFromDockerConfig', () => {
  const config = {
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
      'reg.example:5000': { username: 'u', password: 'p' },
      'tok.example': { identitytoken: 'refresh-xyz' },
      'both.example': { auth: b64('a:b'), identitytoken: 'r' },
      'empty.example': {},
    },
    credHelpers: { 'ecr.example': 'ecr-login' },
  };

  it.each([
    ['docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['registry-1.docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['reg.example:5000', { username: 'u', password: 'p' }],
    ['reg.example', undefined],
    ['tok.example', { identityToken: 'refresh-xyz' }],
    ['both.example', { username: 'a', password: 'b', identityToken: 'r' }],
    ['empty.example', undefined],
    ['ecr.example', undefined],
  ])('%s', (host, expected) => {
    expect(credentialsFromDockerConfig({ config, host })).toEqual(expected);
  });

  it('tolerates configs without auths', () => {
    expect(credentialsFromDockerConfig({ config: {}, host: 'x' })).toBeUndefined();
    expect(credentialsFromDockerConfig({ config: null, host: 'x' })).toBeUndefined();
  });

  it('refuses a malformed auth entry without echoing it', () => {
    const secret = 'nocolonsecret';
    try {
      credentialsFromDockerConfig({ config: { auths: { h: { auth: b64(secret) } } }, host: 'h' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(JSON.stringify(err) + String(err)).not.toContain(secret);
      expect(JSON.stringify(err) + String(err)).not.toContain(b64(secret));
    }
  });
});

describe('readDockerCredentials', () => {
  it('reads a file, treats a missing one as no credentials, and hides content of a broken one', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ auths: { 'r.example': { auth: b64('me:pw') } } }));
    expect(await readDockerCredentials({ path: good, host: 'r.example' })).toEqual({ username: 'me', password: 'pw' });
    expect(await readDockerCredentials({ path: join(dir, 'missing.json'), host: 'r.example' })).toBeUndefined();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"auths": {"r": {"password": "topsecret"}');
    const err = await readDockerCredentials({ path: bad, host: 'r' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(String(err)).not.toContain('topsecret');
  });
});
