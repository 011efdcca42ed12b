/**
 * The environment pipeline: dev -> staging -> prod in drover.yaml's order,
 * the version each environment runs whole of each bundle, and what is
 * waiting: a version the previous environment runs that this one does not
 * (not quarantined here), with its promotion mode and a promote action.
 */
import type { EnvironmentView } from '../../../lib/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { badge, links } from './format.ts';
import { page, type PageContext } from './layout.ts';

export const PIPELINE_PAGE = 50;

export function pipelinePage({
  environments,
  latest,
  quarantined,
  pageNo,
  ctx,
}: {
  environments: EnvironmentView[];
  latest: Map<string, string | null>;
  quarantined: (bundle: string, version: string, environment: string) => boolean;
  pageNo: number;
  ctx: PageContext;
}): SafeHtml {
  const bundles = environments[0]?.bundles.map((b) => b.bundle) ?? [];
  const pages = Math.max(1, Math.ceil(bundles.length / PIPELINE_PAGE));
  const shown = bundles.slice((pageNo - 1) * PIPELINE_PAGE, pageNo * PIPELINE_PAGE);
  const runs = (e: EnvironmentView, b: string) => e.bundles.find((x) => x.bundle === b)?.runs ?? null;
  const rows = shown.map((b) => {
    const cells = environments.map((e, i) => {
      const here = runs(e, b);
      const before = i === 0 ? (latest.get(b) ?? null) : runs(environments[i - 1]!, b);
      const waiting = before && before !== here && !quarantined(b, before, e.name) ? before : null;
      const action = waiting
        ? i === 0
          ? links.confirm('deploy', { bundle: b, version: waiting, environment: e.name })
          : links.confirm('promote', { bundle: b, to: e.name, version: waiting })
        : null;
      return html`<td>${here ? html`<span class="version">${here}</span>` : html`<span class="muted">-</span>`}${
        waiting
          ? html`<span class="note">${badge(`${waiting} waiting`, 'busy')} <a href="${action!}">${i === 0 ? 'Deploy' : 'Promote'}…</a></span>`
          : ''
      }</td>`;
    });
    return html`<tr><th scope="row"><a href="${links.bundle(b)}">${b}</a></th>${cells}</tr>`;
  });
  const body = html`<h1>Pipeline</h1>
<p class="summary">${environments.map((e, i) => html`${i > 0 ? ' → ' : ''}<strong>${e.name}</strong> (${e.clusters.length} cluster${e.clusters.length === 1 ? '' : 's'}, promotion ${e.promotion.mode}${e.promotion.mode === 'auto' ? ` after ${e.promotion.healthyForSeconds} s healthy` : ''})`)}</p>
<div class="scroll"><table><thead><tr><th scope="col">Bundle</th>${environments.map((e) => html`<th scope="col">${e.name}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>
<nav class="pager" aria-label="Pages">${pageNo > 1 ? html`<a href="${links.pipeline(pageNo - 1)}" rel="prev">Previous</a>` : ''}<span>Page ${pageNo} of ${pages}</span>${pageNo < pages ? html`<a href="${links.pipeline(pageNo + 1)}" rel="next">Next</a>` : ''}</nav>`;
  return page({ title: 'Pipeline', ctx: { ...ctx, nav: 'pipeline' }, body, live: '/ui/events?bundles=*' });
}
