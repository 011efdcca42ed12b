import { describe, expect, it } from 'vitest';
import { loadObjects } from '../object/yaml.ts';
import { renderOutputLimits } from './output-limits.ts';

const crd = (i: number, bytes: number) =>
  `---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: things${i}.example.com}\nspec:\n  description: ${'x'.repeat(bytes)}\n`;

describe('renderOutputLimits', () => {
  const output = Array.from({ length: 3 }, (_, i) => crd(i, 2 << 20)).join('');

  it("parses one render stream larger than the per-file cap of Git files, up to the render's cap", () => {
    expect(() => loadObjects({ files: [{ path: 'k (kustomize build)', text: output }] })).toThrow(/file is \d+ bytes/);
    expect(
      loadObjects({ files: [{ path: 'k (kustomize build)', text: output }], limits: renderOutputLimits(64 << 20) }),
    ).toHaveLength(3);
  });

  it('still refuses a stream over the cap, and keeps the depth guard', () => {
    expect(() => loadObjects({ files: [{ path: 'k', text: output }], limits: renderOutputLimits(4 << 20) })).toThrow(
      /more than the limit of 4194304/,
    );
    const deep = `kind: ConfigMap\nmetadata: {name: d}\ndata: ${'['.repeat(200)}${']'.repeat(200)}\n`;
    expect(() => loadObjects({ files: [{ path: 'k', text: deep }], limits: renderOutputLimits(64 << 20) })).toThrow(
      /deep|nest/i,
    );
  });
});
