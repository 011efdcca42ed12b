/**
 * Open drift findings: each object changed on a cluster outside Drover,
 * with the fields that differ (desired and live value, Secret values masked
 * when recorded), the field manager that made the change, and a heal action
 * per bundle and cluster.
 */
import type { FindingRecord } from '../../../lib/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { badge, links, valueText, when } from './format.ts';
import { page, type PageContext } from './layout.ts';

export function driftPage({
  findings,
  filter,
  ctx,
  nowMs = Date.now(),
}: {
  findings: FindingRecord[];
  filter: { bundle?: string; cluster?: string };
  ctx: PageContext;
  nowMs?: number;
}): SafeHtml {
  const groups = new Map<string, FindingRecord[]>();
  for (const f of findings)
    groups.set(`${f.bundle}\0${f.cluster}`, [...(groups.get(`${f.bundle}\0${f.cluster}`) ?? []), f]);
  const sections = [...groups.values()].map((fs) => {
    const { bundle, cluster, version } = fs[0]!;
    return html`<section class="finding-group" aria-label="${`${bundle} on ${cluster}`}"><h2><a href="${links.bundle(bundle)}">${bundle}</a> on ${cluster} <span class="muted">(should run <span class="version">${version}</span>)</span></h2>
<p class="actions"><a class="button" href="${links.confirm('heal', { bundle, cluster })}">Heal ${bundle} on ${cluster}…</a></p>
${fs.map(
  (
    f,
  ) => html`<article class="finding"><h3>${badge(f.kind, 'warn')} <code>${f.ref}</code></h3><p class="muted">seen by ${f.detectedBy} ${when(f.firstSeen, nowMs)}, last ${when(f.lastSeen, nowMs)}</p>
${
  f.fields.length
    ? html`<table class="fields"><thead><tr><th scope="col">Field</th><th scope="col">Desired</th><th scope="col">Live</th><th scope="col">Changed by</th></tr></thead><tbody>${f.fields.map(
        (x) =>
          html`<tr><th scope="row"><code>${x.path}</code></th><td><pre>${valueText(x.desired)}</pre></td><td><pre>${valueText(x.live)}</pre></td><td>${x.managers?.length ? x.managers.join(', ') : html`<span class="muted">unknown</span>`}</td></tr>`,
      )}</tbody></table>`
    : ''
}</article>`,
)}
</section>`;
  });
  const body = html`<h1>Drift</h1>
<form class="filters" method="get" action="/ui/drift"><label>Bundle <input type="search" name="bundle" value="${filter.bundle ?? ''}"></label><label>Cluster <input type="search" name="cluster" value="${filter.cluster ?? ''}"></label><button type="submit">Filter</button></form>
<p class="summary">${findings.length} open finding${findings.length === 1 ? '' : 's'}.</p>
${sections.length ? sections : html`<p>No open drift: every member matches what Drover applied.</p>`}`;
  return page({ title: 'Drift', ctx: { ...ctx, nav: 'drift' }, body, live: `/ui/events?bundles=*` });
}
