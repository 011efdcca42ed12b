// Interoperability with an independent client, the ORAS CLI: what our
// RegistryStore pushes and what our LayoutStore writes, oras pulls; what oras
// pushes (to a registry or a layout), our stores read and verify.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../../fixtures/testenv/use-env.ts';
import { sha256Digest } from './digest.ts';
import { LayoutStore } from './layout-store.ts';
import { MediaType } from './media-types.ts';
import { connectStores } from './reference.ts';
import type { OciStore } from './store.ts';

const env = testEnv();
const scratch = mkdtempSync(join(env.dir, 'oci-oras-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function findOras(): string {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'oras')),
    join(homedir(), 'go', 'bin', 'oras'),
  ];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) {
    throw new Error(
      'the ORAS CLI is needed for this test and was not found on PATH or at ~/go/bin/oras; install it with: GOFLAGS=-buildvcs=false go install oras.land/oras/cmd/oras@v1.3.3',
    );
  }
  return found;
}

async function oras(args: string[], cwd = scratch): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(findOras(), args, { cwd, env: { ...process.env, HOME: scratch } });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`oras ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Pushes an artifact with one layer that ORAS will write to a file named `title`. */
async function pushArtifact(s: OciStore, title: string, content: string, tag: string): Promise<void> {
  const layer = enc(content);
  const empty = enc('{}');
  await s.pushBlob({ data: empty });
  await s.pushBlob({ data: layer });
  const bytes = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.drover.bundle.v1',
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: empty.length },
      layers: [
        {
          mediaType: 'application/vnd.drover.test.v1',
          digest: sha256Digest(layer),
          size: layer.length,
          annotations: { 'org.opencontainers.image.title': title },
        },
      ],
      annotations: { 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' },
    }),
  );
  await s.putManifest({ bytes, mediaType: MediaType.ociManifest, tag, immutable: true });
}

describe('ORAS interoperability', () => {
  it('oras pulls what RegistryStore pushed', async () => {
    const s = (await connectStores({ reference: `oci://${env.registry.host}/oras` })).open(uniqueName('web'));
    await pushArtifact(s, 'members.txt', 'from drover, via the registry\n', '1.0.0');
    const out = mkdtempSync(join(scratch, 'pull-'));
    await oras(['pull', '--plain-http', '-o', out, `${env.registry.host}/${s.repository}:1.0.0`]);
    expect(readFileSync(join(out, 'members.txt'), 'utf8')).toBe('from drover, via the registry\n');
  });

  it('oras pulls from a LayoutStore directory with --oci-layout', async () => {
    const root = mkdtempSync(join(scratch, 'layout-'));
    const s = new LayoutStore({ root, repository: 'team/web' });
    await pushArtifact(s, 'members.txt', 'from drover, via the layout\n', '1.0.0');
    await s.tag({ digest: (await s.resolve({ tag: '1.0.0' })).digest, tag: 'prod' });
    for (const tag of ['1.0.0', 'prod']) {
      const out = mkdtempSync(join(scratch, 'pull-'));
      await oras(['pull', '--oci-layout', '-o', out, `${s.dir}:${tag}`]);
      expect(readFileSync(join(out, 'members.txt'), 'utf8')).toBe('from drover, via the layout\n');
    }
    expect((await oras(['repo', 'tags', '--oci-layout', s.dir])).trim().split('\n').sort()).toEqual(['1.0.0', 'prod']);
  });

  it('our stores read and verify what oras pushed, to a registry and to a layout', async () => {
    const file = join(scratch, 'pushed-by-oras.txt');
    writeFileSync(file, 'from oras\n');
    const repository = `oras/${uniqueName('in')}`;
    await oras([
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.test',
      `${env.registry.host}/${repository}:v1`,
      'pushed-by-oras.txt',
    ]);
    const layoutRoot = mkdtempSync(join(scratch, 'layout-'));
    await oras([
      'push',
      '--oci-layout',
      '--artifact-type',
      'application/vnd.test',
      `${join(layoutRoot, 'in')}:v1`,
      'pushed-by-oras.txt',
    ]);

    const stores: OciStore[] = [
      (await connectStores({ reference: `oci://${env.registry.host}/oras` })).open(repository.slice('oras/'.length)),
      new LayoutStore({ root: layoutRoot, repository: 'in' }),
    ];
    for (const s of stores) {
      const m = await s.getManifest({ reference: 'v1' });
      expect(m.mediaType).toBe(MediaType.ociManifest);
      expect(await s.resolve({ tag: 'v1' })).toMatchObject({ digest: m.digest, size: m.size });
      const doc = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as {
        layers: { digest: `sha256:${string}`; size: number }[];
      };
      const layer = await s.fetchBlob({ digest: doc.layers[0]!.digest, size: doc.layers[0]!.size });
      expect(Buffer.from(layer).toString('utf8')).toBe('from oras\n');
      expect(await s.listTags()).toEqual(['v1']);
    }
  });
});
