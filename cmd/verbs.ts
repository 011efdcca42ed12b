/**
 * The CLI's verbs: for each, its flags, the one library function it calls,
 * and how its result reads for a person. JSON output is the result's `data`.
 * Everything comes from the public API (lib/index.ts), which loads a verb's
 * modules only when it runs, so `drover --help` or a mistyped flag answers
 * without loading the Git, registry and cluster code.
 */
import * as drover from '../lib/index.ts';
import { formatRef, InvalidInputError, parseBundleRef, ReleaseFailedError, UsageError } from '../lib/index.ts';
import { statusTable, table } from './render.ts';
import { str, type Verb, withWorkspace } from './verb.ts';
import { driftVerbs } from './verbs-drift.ts';
import { rolloutVerbs } from './verbs-rollout.ts';
import { serveVerbs } from './verbs-serve.ts';
import { signVerbs } from './verbs-sign.ts';

export type { Verb } from './verb.ts';

export const verbs: Verb[] = [
  {
    name: 'init',
    usage: 'init [--source URL] [--registry REF] [--context C ...] [--force]',
    summary: 'write drover.yaml: sources, registry, environments, clusters',
    options: {
      source: { type: 'string' },
      branch: { type: 'string' },
      registry: { type: 'string' },
      context: { type: 'string', multiple: true },
      force: { type: 'boolean' },
    },
    run: async ({ values, positionals, configPath }) => {
      if (positionals.length > 0) throw new UsageError(`init takes no arguments (got ${positionals.join(' ')})`);
      const contexts = (values.context as string[] | undefined) ?? [];
      const r = await drover.init({
        path: configPath,
        ...(str(values.source) ? { source: str(values.source) } : {}),
        ...(str(values.branch) ? { branch: str(values.branch) } : {}),
        ...(str(values.registry) ? { registry: str(values.registry) } : {}),
        contexts,
        force: Boolean(values.force),
      });
      return { data: r, human: `wrote ${r.path}` };
    },
  },
  {
    name: 'cut',
    usage: 'cut [--bundle B]',
    summary: "cut versions for the bundles changed at the source's head",
    options: { bundle: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const r = await drover.cut({
          ws,
          ...(str(ctx.values.bundle) ? { bundle: str(ctx.values.bundle) } : {}),
          onEvent: ctx.onEvent,
          signal: ctx.signal,
        });
        const changed = (c: (typeof r.cut)[number]) =>
          [...c.changedMembers, ...c.removedMembers.map((m) => `${m} (removed)`)].join(', ');
        const lines = r.cut.length
          ? [
              table(
                ['BUNDLE', 'VERSION', 'PARENT', 'DIGEST', 'CHANGED'],
                r.cut.map((c) => [c.bundle, c.version, c.parent ?? '-', c.digest.slice(0, 19), changed(c)]),
              ),
            ]
          : [
              `no new versions (${r.sources.map((s) => `${s.name} at ${s.head.slice(0, 12)}${s.moved ? '' : ', already cut'}`).join('; ')})`,
            ];
        const signers = [...new Set(r.cut.map((c) => c.signedBy ?? 'unsigned'))];
        if (signers.length)
          lines.push(
            signers.includes('unsigned')
              ? 'warning: versions cut unsigned: drover.yaml names no signing key (drover keys generate)'
              : `signed by ${signers.join(', ')}`,
          );
        // A finding several targets share is one line, naming them.
        const warnings = new Map<string, string[]>();
        for (const w of r.warnings) {
          const key = `${w.bundle}\0${w.ref}: ${w.message} [${w.rule}]`;
          warnings.set(key, [...(warnings.get(key) ?? []), ...(w.target ? [w.target] : [])]);
        }
        for (const [key, targets] of warnings) {
          const [bundle, rest] = key.split('\0') as [string, string];
          lines.push(`warning: ${bundle}${targets.length ? ` (${targets.join(', ')})` : ''}: ${rest}`);
        }
        for (const l of r.left)
          lines.push(
            `warning: bundle ${l.bundle} left source ${l.source} at ${l.commit.slice(0, 12)} (its Bundle document is gone): its clusters keep what they run and nothing new is cut or deployed; drover retire ${l.bundle} removes it${l.lastVersion ? ` (newest version ${l.lastVersion})` : ''}`,
          );
        for (const b of r.blocked) lines.push(`error: ${b.message}`);
        for (const f of r.failed) lines.push(`error: ${f.error.message}`);
        // The first bundle's failure speaks for the exit code (a conflict is 5, invalid content 3); every one is listed.
        const failure =
          r.failed[0]?.error ??
          (r.blocked.length
            ? new InvalidInputError(
                `${r.blocked.flatMap((b) => b.bundles).length} bundle(s) not cut: a file they may take members from does not parse`,
              )
            : undefined);
        return {
          data: { ...r, failed: r.failed.map((f) => ({ bundle: f.bundle, error: f.error.toJSON() })) },
          human: lines.join('\n'),
          ...(failure ? { failure } : {}),
        };
      }),
  },
  {
    name: 'versions',
    usage: 'versions B',
    summary: 'versions of a bundle, newest first, with digest and commit',
    options: {},
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [bundle] = ctx.positionals;
        if (!bundle || ctx.positionals.length > 1) throw new UsageError('versions takes one bundle name');
        const vs = await drover.versions({ ws, bundle });
        return {
          data: vs,
          human: table(
            ['VERSION', 'DIGEST', 'COMMIT', 'PARENT', 'CREATED'],
            vs.map((v) => [v.version, v.digest, v.commit.slice(0, 12), v.parent ?? '-', v.createdAt]),
          ),
        };
      }),
  },
  {
    name: 'diff',
    usage: 'diff B@V1 B@V2 [--target T] | diff B@V --cluster C',
    summary:
      'member and field diff between versions, per target; or what applying V would change on cluster C (Secret values masked)',
    options: { target: { type: 'string' }, cluster: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [from, to] = ctx.positionals;
        const cluster = str(ctx.values.cluster);
        if (cluster) {
          if (!from || to) throw new UsageError('diff --cluster takes one version: B@V --cluster C');
          const d = await drover.diffCluster({
            ws,
            ...parseBundleRef(from),
            cluster,
            signal: ctx.signal,
          });
          const lines = [...diffLines(d), ...ownershipLines(d)];
          return {
            data: d,
            human: lines.length
              ? lines.join('\n')
              : `${from} would change nothing on ${cluster}${d.from ? ` (it runs ${d.from})` : ''}`,
          };
        }
        if (!from || !to || ctx.positionals.length > 2) throw new UsageError('diff takes two versions: B@V1 B@V2');
        const target = str(ctx.values.target);
        const d = await drover.diff({ ws, from, to, ...(target ? { target } : {}), signal: ctx.signal });
        const sections = d.targets
          ? d.targets.map((t) => ({ title: `target ${t.target}`, lines: diffLines(t) }))
          : [{ title: undefined, lines: diffLines(d) }];
        const human = sections
          .map((x) =>
            [
              ...(x.title ? [`${x.title}:`] : []),
              ...(x.lines.length ? x.lines : [`${from} and ${to} have the same members`]),
            ].join('\n'),
          )
          .join('\n');
        return { data: d, human };
      }),
  },
  ...rolloutVerbs,
  ...signVerbs,
  {
    name: 'status',
    usage: 'status [--journal-only]',
    summary: 'bundles x clusters: running version, health now, last release, what failed and why',
    options: { 'journal-only': { type: 'boolean' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [rows, registry] = await Promise.all([
          drover.status({ ws, live: !ctx.values['journal-only'], signal: ctx.signal }),
          drover.registryProblem({ ws, signal: ctx.signal }),
        ]);
        // JSON stays the rows; the registry's state is said on stderr, where warnings go.
        if (registry)
          ctx.onEvent({
            phase: 'status',
            level: 'warn',
            message: `registry ${ws.config.registry} is unreachable: ${registry}`,
          });
        return {
          data: rows,
          human: `${statusTable(rows)}${registry ? `\nwarning: registry ${ws.config.registry} is unreachable (${registry}): nothing can be cut, deployed or rolled back until it answers` : ''}`,
        };
      }),
  },
  {
    name: 'history',
    usage: 'history B [--cluster C]',
    summary: 'releases of a bundle and their steps',
    options: { cluster: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [bundle] = ctx.positionals;
        if (!bundle) throw new UsageError('history takes a bundle name');
        const h = await drover.history({
          ws,
          bundle,
          ...(str(ctx.values.cluster) ? { cluster: str(ctx.values.cluster) } : {}),
        });
        const human = h
          .map((r) =>
            [
              `#${r.id} ${r.bundle}@${r.version} on ${r.cluster}: ${r.state}${r.failedObject ? ` (${r.failedObject}: ${r.reason})` : ''}`,
              ...r.steps.map((s) => `    ${s.at} ${s.state}: ${s.message}`),
            ].join('\n'),
          )
          .join('\n');
        return { data: h, human };
      }),
  },
  {
    name: 'state',
    usage: 'state rebuild --inventory B --cluster C',
    summary:
      "write back a bundle's missing inventory on a cluster from the journal and the live objects carrying its labels",
    options: { inventory: { type: 'string' }, cluster: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [sub] = ctx.positionals;
        const bundle = str(ctx.values.inventory);
        const cluster = str(ctx.values.cluster);
        if (sub !== 'rebuild' || ctx.positionals.length > 1 || !bundle || !cluster)
          throw new UsageError('usage: drover state rebuild --inventory BUNDLE --cluster CLUSTER');
        const r = await drover.rebuildInventory({ ws, bundle, cluster, signal: ctx.signal });
        const lines = [
          `rebuilt the inventory of ${r.bundle} on ${r.cluster}: ${r.bundle}@${r.version}, ${r.entries.length} object(s)`,
          ...r.entries.map((e) => `  ${e.origin}${e.priorUnknown ? ' (prior state unknown)' : ''}  ${e.ref}`),
          ...r.missing.map((m) => `  not found with the bundle's labels, left out: ${m}`),
        ];
        return { data: r, human: lines.join('\n') };
      }),
  },
  {
    name: 'discover',
    usage: 'discover [--bundle B]',
    summary: 'bundles and their members, each with the reference that pulled it in',
    options: { bundle: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const v = await drover.discover({
          ws,
          ...(str(ctx.values.bundle) ? { bundle: str(ctx.values.bundle) } : {}),
          signal: ctx.signal,
        });
        const failed = v.filter((b) => b.error);
        const human = v.map(discoveredLines).join('\n\n');
        return {
          data: v,
          human,
          ...(failed[0]
            ? {
                failure: new InvalidInputError(
                  `${failed.length} bundle(s) could not be discovered: ${failed[0].error!.message}`,
                  { data: { failures: failed.map((b) => ({ bundle: b.bundle, error: b.error })) } },
                ),
              }
            : {}),
        };
      }),
  },
  {
    name: 'lint',
    usage: 'lint [--bundle B]',
    summary: 'built-in practice rules',
    options: { bundle: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const f = await drover.lint({
          ws,
          ...(str(ctx.values.bundle) ? { bundle: str(ctx.values.bundle) } : {}),
          signal: ctx.signal,
        });
        const errors = f.filter((x) => x.severity === 'error').length;
        return {
          data: f,
          human: f.length
            ? table(
                ['BUNDLE', 'SEVERITY', 'RULE', 'OBJECT', 'MESSAGE'],
                f.map((x) => [x.target ? `${x.bundle} (${x.target})` : x.bundle, x.severity, x.rule, x.ref, x.message]),
              )
            : 'no findings',
          ...(errors > 0
            ? { failure: new InvalidInputError(`${errors} practice rule(s) set to error are broken`) }
            : {}),
        };
      }),
  },
  {
    name: 'show',
    usage: 'show B@V',
    summary: 'one version: members, provenance, digest',
    options: {},
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [ref] = ctx.positionals;
        if (!ref || ctx.positionals.length > 1) throw new UsageError('show takes one BUNDLE@VERSION');
        const v = await drover.show({ ws, ...parseBundleRef(ref), signature: true, signal: ctx.signal });
        const human = [
          `${v.bundle}@${v.version}  ${v.digest}`,
          v.signature?.verified
            ? `signed by ${v.signature.keyId}`
            : `signature: not verified (${v.signature?.reason ?? 'not-checked'}): ${v.signature?.detail ?? ''}`,
          `commit ${v.commit}  parent ${v.parent ?? '-'}  created ${v.createdAt}`,
          ...Object.entries(v.config.provenance).map(([k, x]) => `  ${k}: ${provenanceValue(x)}`),
          ...(v.targets
            ? [
                table(
                  ['TARGET', 'MEMBERS', 'CHANGED', 'LAYER'],
                  v.targets.map((t) => [t.name, t.members, t.changed ? 'yes' : 'no', t.layer.slice(0, 19)]),
                ),
              ]
            : []),
          v.config.targets
            ? table(
                ['TARGET', 'MEMBER', 'DIGEST'],
                v.config.targets.flatMap((t) => t.members.map((m) => [t.name, formatRef(m), m.digest])),
              )
            : table(
                ['MEMBER', 'DIGEST'],
                v.config.members.map((m) => [formatRef(m), m.digest]),
              ),
        ].join('\n');
        return { data: v, human };
      }),
  },
  {
    name: 'retire',
    usage: 'retire B [--env E] [--yes] [--force]',
    summary:
      "remove a bundle from an environment's clusters (or all): what its inventory owns, journaled; the registry keeps its versions",
    options: { env: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [bundle] = ctx.positionals;
        if (!bundle || ctx.positionals.length > 1) throw new UsageError('retire takes one bundle name');
        const args = {
          ws,
          bundle,
          ...(str(ctx.values.env) ? { environment: str(ctx.values.env) } : {}),
          force: Boolean(ctx.values.force),
          signal: ctx.signal,
        };
        if (!ctx.values.yes) {
          const plan = await drover.planRetire(args);
          const doomed = plan.clusters.reduce((n, c) => n + c.delete.length, 0);
          const listing = retireListing(
            plan.clusters.map((c) => ({ ...c, state: c.running ? 'to retire' : 'absent' })),
          );
          if (!plan.clusters.some((c) => c.running))
            return {
              data: { ...plan, ok: true, retired: false },
              human: `${bundle} runs on none of ${plan.clusters.map((c) => c.cluster).join(', ')}: nothing to retire`,
            };
          const answer = await ctx.confirm(`${listing}\nDelete these ${doomed} object(s)?`);
          if (answer === undefined)
            throw new UsageError(
              `retire would delete ${doomed} object(s) (drover retire ${bundle} without --output json lists them); pass --yes to confirm, since there is no terminal to ask on`,
            );
          if (!answer) return { data: { ...plan, ok: true, retired: false }, human: 'nothing retired' };
        }
        const r = await drover.retire({ ...args, onEvent: ctx.onEvent });
        return {
          data: r,
          human: retireListing(r.clusters),
          ...(r.ok
            ? {}
            : {
                failure: new ReleaseFailedError(
                  `retire of ${bundle} failed on ${r.clusters
                    .filter((c) => c.state === 'failed')
                    .map((c) => c.cluster)
                    .join(', ')}`,
                  {
                    data: {
                      failures: r.clusters
                        .filter((c) => c.state === 'failed')
                        .map((c) => ({ cluster: c.cluster, error: { message: c.message ?? 'failed' } })),
                    },
                  },
                ),
              }),
        };
      }),
  },
  ...driftVerbs,
  ...serveVerbs,
];

function diffLines(d: drover.MembersDiff): string[] {
  const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  return [
    ...d.added.map((r) => `+ ${formatRef(r)}`),
    ...d.removed.map((r) => `- ${formatRef(r)}`),
    ...d.changed.flatMap((c) => [
      `~ ${formatRef(c.ref)}`,
      ...c.fields.map((f) => `    ${f.path}: ${show(f.before)} -> ${show(f.after)}`),
    ]),
  ];
}

/** What a release would refuse, adopt or let go on a cluster, with the spec.adopt lines that take foreign members over. */
function ownershipLines(d: drover.ClusterDiff): string[] {
  const adopt = d.foreign
    .filter((f) => !f.claimedBy)
    .map(
      (f) =>
        `    - { kind: ${f.adopt.kind}${f.adopt.namespace ? `, namespace: ${f.adopt.namespace}` : ''}, name: ${f.adopt.name} }`,
    );
  return [
    ...d.foreign.map((f) => `! ${f.ref}: ${f.message}`),
    ...d.refusals.map((r) => `! ${r.ref}: ${r.message}`),
    ...(adopt.length
      ? [
          'the release would be refused; to take these over, add to the Bundle:',
          '  spec:',
          '    adopt:',
          ...adopt.map((l) => `  ${l}`),
        ]
      : d.foreign.length || d.refusals.length
        ? ['the release would be refused']
        : []),
    ...d.adopted.map((r) => `= ${r} (adopted: its state now is kept and put back if the release is rolled back)`),
    ...d.letGo.map((x) => `- ${x.ref} (released, not deleted: ${x.reason})`),
  ];
}

function retireListing(
  clusters: {
    cluster: string;
    state: string;
    running: { version: string } | null;
    delete: string[];
    letGo: { ref: string; reason: string }[];
    keep: { ref: string; reason: string }[];
    message?: string;
  }[],
): string {
  return clusters
    .map((c) =>
      [
        `${c.cluster}: ${c.state}${c.running ? ` (runs ${c.running.version})` : ''}${c.state === 'failed' && c.message ? `: ${c.message}` : ''}`,
        ...c.delete.map((r) => `  delete ${r}`),
        ...c.letGo.map((k) => `  release ${k.ref}: ${k.reason}`),
        ...c.keep.map((k) => `  keep   ${k.ref}: ${k.reason}`),
      ].join('\n'),
    )
    .join('\n');
}

/** One provenance field for people: lists joined, the renderer as `kustomize v5.8.1`. */
function provenanceValue(x: unknown): string {
  if (Array.isArray(x)) return x.join(', ');
  if (x && typeof x === 'object' && 'name' in x)
    return [x.name, 'version' in x ? x.version : undefined].filter(Boolean).join(' ');
  return String(x);
}

/** One discovered bundle (or target) for people: its members, then the references nothing in the repository answers. */
function discoveredLines(b: drover.DiscoveredView): string {
  if (b.error) return `${b.bundle} (source ${b.source}): not discovered: ${b.error.message}`;
  return [
    `${b.bundle}${b.target ? ` target ${b.target}` : ''} (${b.members.length} members, ${b.renderer ? `${b.renderer}, ` : ''}source ${b.source})`,
    table(
      ['MEMBER', 'VIA', 'FROM', 'FILE'],
      b.members.map((m) => [m.ref, m.via, m.from ?? '', m.file]),
    ),
    ...(b.unresolved.length
      ? [
          `unresolved: referenced but not in the repository (must exist in the cluster; spec.exclude declares what is managed elsewhere):`,
          table(
            ['OBJECT', 'VIA', 'FROM'],
            b.unresolved.map((u) => [u.ref, u.via, u.from]),
          ),
        ]
      : []),
  ].join('\n');
}
