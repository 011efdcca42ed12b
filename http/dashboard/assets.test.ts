// The vendored client library is the pinned npm package's file, byte for
// byte (a change to it is an upgrade of the devDependency, then a copy), and
// every asset the dashboard names exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSETS, assetOf } from './assets.ts';

const root = join(import.meta.dirname, '..', '..');

describe('dashboard assets', () => {
  it('vendors idiomorph 0.8.0 exactly as its package ships it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies.idiomorph).toBe('0.8.0');
    const shipped = readFileSync(join(root, 'node_modules', 'idiomorph', 'dist', 'idiomorph.esm.js'), 'utf8');
    expect(readFileSync(join(import.meta.dirname, 'assets', 'vendor', 'idiomorph-0.8.0.esm.js'), 'utf8')).toBe(shipped);
  });

  it('serves every asset it names, with its type', () => {
    for (const name of Object.keys(ASSETS)) {
      const a = assetOf(name);
      expect(a?.text.length, name).toBeGreaterThan(100);
      expect(a?.type).toBe(ASSETS[name]!.type);
    }
    expect(assetOf('nope.js')).toBeUndefined();
    // Names of Object.prototype's members are no assets either.
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect(assetOf(name), name).toBeUndefined();
  });
});
