/**
 * The input closure of one kustomize target: every file of the repository
 * its `kustomize build` can read (its kustomization, the kustomizations it
 * builds on, their resources, patches and generator inputs), found by
 * following the kustomization files from the target's directory. What it
 * gives: the files to copy into the render's sandbox (nothing else of the
 * repository is there), the cache key of the render (a hash of those files'
 * blob ids, the directory and the Kustomize version: the same key means the
 * same output, so the render can be skipped), and refusals, each naming the
 * kustomization and why: a remote reference in any field (reason `remote`,
 * unless drover.yaml's `render.allowRemote` and the bundle both allow it:
 * remote-policy.ts), a path that leaves the repository, a missing file, a
 * secretGenerator reading a SOPS-encrypted file (rendering it would put the
 * plaintext into the artifact), a Helm chart inside Kustomize.
 *
 * Reading is the caller's: `read(dir)` returns the files under a repository
 * directory (recursively), and each directory is asked for once.
 *
 * @example
 *   const c = await resolveClosure({ dir: 'apps/web/overlays/prod', read });
 *   c.files.map((f) => f.path) // => ['apps/web/base/deployment.yaml', 'apps/web/base/kustomization.yaml', 'apps/web/overlays/prod/kustomization.yaml', ...]
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { InvalidInputError } from '../errors/errors.ts';
import { KUSTOMIZATION_FILES, kustomizationReferences, type KustomizationRefs } from './kustomization.ts';
import { remoteRefusal, type RemotePolicy } from './remote-policy.ts';
import type { ReadRepo, RepoFile } from './renderer.ts';

export interface Closure {
  /** The target's kustomization directory. */
  dir: string;
  /** Every repository file the build may read, sorted by path. */
  files: RepoFile[];
  /** Remote references (only when the policy allows them). */
  remote: string[];
  /** sha256 of the directory and every file's path and blob id. */
  digest: string;
}

const ENCRYPTED = /\bENC\[AES256_GCM,|^sops:\s*$/m;

/** A path inside the repository, or undefined when it leaves it. */
function inside(from: string, entry: string): string | undefined {
  if (posix.isAbsolute(entry)) return undefined;
  const p = posix.normalize(posix.join(from, entry));
  return p === '..' || p.startsWith('../') ? undefined : p.replace(/\/$/, '');
}

/** Nothing remote: what a render gets when no policy is handed in. */
const NO_REMOTE: RemotePolicy = { operator: 'never', bundle: false, bundleSetting: 'spec.kustomize.allowRemote' };

export async function resolveClosure({
  dir,
  read,
  remote: policy = NO_REMOTE,
}: {
  dir: string;
  read: ReadRepo;
  /** Whether remote references may be fetched (drover.yaml's render.allowRemote and the bundle's opt-in). */
  remote?: RemotePolicy;
}): Promise<Closure> {
  const listed = new Map<string, Promise<RepoFile[]>>();
  const under = (d: string) => {
    if (!listed.has(d)) listed.set(d, read(d));
    return listed.get(d)!;
  };
  const fileAt = async (p: string) =>
    (await under(posix.dirname(p) === '.' ? '' : posix.dirname(p))).find((f) => f.path === p);
  const exists = async (kdir: string, entry: string) => {
    const p = inside(kdir, entry);
    return p !== undefined && ((await fileAt(p)) !== undefined || (await under(p)).length > 0);
  };
  const files = new Map<string, RepoFile>();
  const remote: string[] = [];
  const seen = new Set<string>();
  const queue = [dir.replace(/\/$/, '')];
  while (queue.length > 0) {
    const kdir = queue.shift()!;
    if (seen.has(kdir)) continue;
    seen.add(kdir);
    const here = await under(kdir);
    const kfile = KUSTOMIZATION_FILES.map((n) => here.find((f) => f.path === posix.join(kdir, n))).find(
      (f) => f !== undefined,
    );
    const where = kfile?.path ?? kdir;
    const refuse = (why: string, data: Record<string, unknown> = {}) =>
      new InvalidInputError(`${where}: ${why}`, { data: { file: where, ...data } });
    if (!kfile)
      throw refuse(`no kustomization (${KUSTOMIZATION_FILES.join(', ')}) in ${kdir}`, { reason: 'no-kustomization' });
    files.set(kfile.path, kfile);
    let doc: unknown;
    try {
      doc = parse(kfile.text, { maxAliasCount: 100 });
    } catch (err) {
      throw refuse(`malformed YAML: ${(err as Error).message.split('\n')[0]}`, { reason: 'malformed' });
    }
    const refs = kustomizationReferences(doc);
    const local = await sortRemote({ refs, policy, where, isPath: (entry) => exists(kdir, entry), remote });
    if (refs.refused.length > 0) throw refuse(refs.refused.join('; '), { reason: 'refused', refused: refs.refused });
    for (const { field, path: entry } of local) {
      const p = inside(kdir, entry);
      if (!p)
        throw refuse(`${field} ${JSON.stringify(entry)} leaves the repository`, {
          reason: 'path-escape',
          entry,
          field,
        });
      const asFile = await fileAt(p);
      if (asFile) {
        files.set(p, asFile);
        continue;
      }
      const asDir = await under(p);
      if (asDir.length === 0)
        throw refuse(`${field} ${JSON.stringify(entry)} is neither a file nor a directory of the repository`, {
          reason: 'missing',
          entry,
          field,
        });
      queue.push(p);
    }
    refuseSopsGenerators({ kdir, generated: refs.generated, files, refuse });
  }
  return assembleClosure({ dir, files: [...files.values()], remote });
}

/**
 * The references of one kustomization to read from the repository: its
 * entries, and a remote-spelled one that is a bare host name the repository
 * has as a path (the one guess of remote-reference.ts; current Kustomize
 * reads such a path locally). Every other remote reference is refused by the
 * policy, or, when it allows it, added to `remote`.
 */
async function sortRemote({
  refs,
  policy,
  where,
  isPath,
  remote,
}: {
  refs: KustomizationRefs;
  policy: RemotePolicy;
  where: string;
  isPath: (entry: string) => Promise<boolean>;
  remote: string[];
}): Promise<KustomizationRefs['entries']> {
  const local = [...refs.entries];
  for (const r of refs.remote) {
    if (r.spelling === 'bare-host' && (await isPath(r.path))) {
      local.push({ field: r.field, path: r.path });
      continue;
    }
    const hint = ': renders read the repository at the commit only';
    const refused = remoteRefusal({ policy, spelling: r.spelling, field: r.field, ref: r.path, where, hint });
    if (refused) throw refused;
    remote.push(r.path);
  }
  return local;
}

/** Refuses a secretGenerator of a kustomization that reads a SOPS-encrypted file of the closure. */
function refuseSopsGenerators({
  kdir,
  generated,
  files,
  refuse,
}: {
  kdir: string;
  generated: KustomizationRefs['generated'];
  files: Map<string, RepoFile>;
  refuse: (why: string, data: Record<string, unknown>) => InvalidInputError;
}): void {
  for (const g of generated) {
    const p = inside(kdir, g.path);
    const f = p ? files.get(p) : undefined;
    if (g.kind === 'secretGenerator' && f && ENCRYPTED.test(f.text)) {
      throw refuse(
        `secretGenerator ${g.name} reads ${p}, which is SOPS-encrypted: rendering it would put its plaintext into the version (ship the Secret as an encrypted manifest instead)`,
        { reason: 'sops-generator', entry: p },
      );
    }
  }
}

/** The closure: its files sorted by path, its remote references sorted, and the digest over both and the directory. */
function assembleClosure({ dir, files, remote }: { dir: string; files: RepoFile[]; remote: string[] }): Closure {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256').update(`dir ${dir}\n`);
  for (const f of sorted) hash.update(`${f.path}\0${f.oid}\n`);
  for (const r of remote.sort()) hash.update(`remote ${r}\n`);
  return { dir, files: sorted, remote, digest: `sha256:${hash.digest('hex')}` };
}
