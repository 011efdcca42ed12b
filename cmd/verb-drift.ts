/**
 * `drover drift [--heal] [--exit-code] [--journal-only]`: checks every
 * cluster for out-of-band changes to deployed members (one LIST per resource
 * type), records them, heals if asked (or if a bundle's policy is `heal`),
 * and lists the open findings with their field diffs; Secret values are
 * masked. `--exit-code` exits 9 while any finding is open.
 */
import * as drover from '../lib/index.ts';
import { DriftFoundError, type FindingRecord } from '../lib/index.ts';
import { table } from './render.ts';
import { type Verb, withWorkspace } from './verb.ts';

const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));

export function findingsText(findings: readonly FindingRecord[]): string {
  if (findings.length === 0) return 'no drift';
  const lines = [
    table(
      ['CLUSTER', 'BUNDLE', 'VERSION', 'OBJECT', 'DRIFT', 'SINCE'],
      findings.map((f) => [f.cluster, f.bundle, f.version, f.ref, f.kind, f.firstSeen.replace(/\.\d+Z$/, 'Z')]),
    ),
  ];
  for (const f of findings) {
    if (f.kind === 'missing') continue;
    lines.push(`${f.cluster} ${f.ref}:`);
    for (const d of f.fields)
      lines.push(
        `    ${d.path}: ${show(d.desired)} -> ${show(d.live)}${d.managers?.length ? ` (by ${d.managers.join(', ')})` : ''}`,
      );
  }
  return lines.join('\n');
}

export const driftVerb: Verb = {
  name: 'drift',
  usage: 'drift [--heal] [--exit-code] [--journal-only]',
  summary: 'out-of-band changes to deployed members, with field diffs (--heal re-applies what each cluster should run)',
  options: { heal: { type: 'boolean' }, 'exit-code': { type: 'boolean' }, 'journal-only': { type: 'boolean' } },
  run: (ctx) =>
    withWorkspace(ctx, async (ws) => {
      const r = ctx.values['journal-only']
        ? await drover.driftJournal({ ws })
        : await drover.drift({
            ws,
            heal: Boolean(ctx.values.heal),
            onEvent: ctx.onEvent,
            signal: ctx.signal,
          });
      const lines = [findingsText(r.findings)];
      for (const h of r.heals)
        lines.push(
          `heal: ${h.cluster} ${h.bundle}@${h.version}: ${h.outcome}${h.reason ? `: ${h.reason}` : ''}${h.releaseId ? ` (release #${h.releaseId})` : ''}`,
        );
      for (const c of r.clusters) {
        if (c.error) lines.push(`warning: ${c.cluster}: not checked, showing what was recorded: ${c.error}`);
        for (const u of c.unjudged) lines.push(`warning: ${c.cluster}: ${u.bundle} not checked: ${u.reason}`);
      }
      return {
        data: r,
        human: lines.join('\n'),
        ...(ctx.values['exit-code'] && r.findings.length > 0
          ? { failure: new DriftFoundError(`${r.findings.length} open drift finding(s)`) }
          : {}),
      };
    }),
};
