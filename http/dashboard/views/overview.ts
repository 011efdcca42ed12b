/**
 * The overview: bundles x clusters, grouped by environment in promotion
 * order. One row per bundle; per environment, the version its channel tag
 * names, then a cell per cluster with the version it runs, its state in
 * words, a release in flight, open drift, and for a failed release a link to
 * that rollout. Filtered by bundle name and namespace and paged on the
 * server, so a page costs the same at 500 bundles as at 5; a live update
 * re-renders one row (`overviewRow`), never the table.
 */
import type { OverviewCell, OverviewEnvironment, OverviewRow, OverviewView } from '../../../lib/index.ts';
import { html, query, type SafeHtml } from '../html.ts';
import { badge, cellBadge, digest, links, when } from './format.ts';
import { page, type PageContext } from './layout.ts';

export const PAGE_SIZE = 50;

/** The element id of a bundle's row (bundle names are DNS labels; anything else is escaped like any value). */
export const rowId = (bundle: string) => `row-${bundle}`;

function cell(bundle: string, env: OverviewEnvironment, c: OverviewCell, nowMs: number): SafeHtml {
  const version = c.running ? html`<span class="version">${c.running}</span>` : html`<span class="muted">-</span>`;
  const flight = c.inFlight
    ? html`<a class="note" href="${links.rollout(bundle, c.inFlight.version, env.name)}">${c.inFlight.version}: ${c.inFlight.state}</a>`
    : '';
  const failed = c.failed
    ? html`<a class="note bad" href="${links.rollout(bundle, c.failed.version, c.failed.environment ?? env.name)}" title="${c.failed.reason ?? ''}">${c.failed.version} failed${c.failed.failedObject ? html`: ${c.failed.failedObject}` : ''}</a>`
    : '';
  const drift =
    c.drift > 0
      ? html`<a class="note warn" href="${links.drift({ bundle, cluster: c.cluster })}">${badge(`Drift: ${c.drift}`, 'warn')}</a>`
      : '';
  const agent = c.mode === 'agent' ? html`<span class="note muted">agent</span>` : '';
  return html`<td class="cell" data-cluster="${c.cluster}" data-state="${c.state}">${version} ${cellBadge(c.state)}${flight}${failed}${drift}${agent}${c.updatedAt ? html`<span class="note muted">${when(c.updatedAt, nowMs)}</span>` : ''}</td>`;
}

function tagCell(env: OverviewEnvironment, nowMs: number): SafeHtml {
  const t = env.tag;
  if (!t) return html`<td class="tag"><span class="muted">-</span></td>`;
  const what = t.version
    ? html`<span class="version">${t.version}</span>`
    : html`${digest(t.digest)} <span class="note">not a version cut here</span>`;
  const moved = t.followed
    ? ''
    : t.refused
      ? html`<span class="note" title="${t.refused.message}">${badge(`refused: ${t.refused.reason ?? 'refused'}`, 'bad')}</span>${t.marked ? html`<span class="note muted">Drover last set ${t.marked.version ?? t.marked.digest.slice(7, 19)}</span>` : ''}`
      : html`<span class="note">${badge('moved outside Drover, not followed', 'warn')}</span>${t.marked ? html`<span class="note muted">Drover last set ${t.marked.version ?? t.marked.digest.slice(7, 19)}</span>` : ''}`;
  return html`<td class="tag" data-environment="${env.name}"><span class="tagname">${env.name}</span> → ${what}${moved}<span class="note muted">${t.from === 'read' ? 'read' : 'set'} ${when(t.at, nowMs)}</span></td>`;
}

/** One bundle's row (what a live update sends). */
export function overviewRow(row: OverviewRow, nowMs = Date.now()): SafeHtml {
  return html`<tr id="${rowId(row.bundle)}">
<th scope="row"><a href="${links.bundle(row.bundle)}">${row.bundle}</a>${row.left ? html` ${badge('left its source', 'warn')}` : ''}<span class="note muted">${row.latest ? html`newest <span class="version">${row.latest}</span>` : 'no version'}</span>${row.namespaces.length ? html`<span class="note muted">${row.namespaces.map((n) => n || 'cluster-scoped').join(', ')}</span>` : ''}</th>
${row.environments.map((e) => html`${tagCell(e, nowMs)}${e.cells.map((c) => cell(row.bundle, e, c, nowMs))}`)}
</tr>`;
}

export function overviewPage({
  view,
  ctx,
  nowMs = Date.now(),
}: {
  view: OverviewView;
  ctx: PageContext;
  nowMs?: number;
}): SafeHtml {
  const pageNo = Math.floor(view.offset / view.limit) + 1;
  const pages = Math.max(1, Math.ceil(view.total / view.limit));
  const filter = { q: view.q || undefined, namespace: view.namespace ?? undefined };
  const live = `/ui/events${query({ view: 'overview', q: view.q, namespace: view.namespace, offset: view.offset, limit: view.limit })}`;
  const first = view.total === 0 ? 0 : view.offset + 1;
  const body = html`<h1>Overview</h1>
<form class="filters" method="get" action="/" role="search">
<label>Bundle <input type="search" name="q" value="${view.q}" placeholder="name contains"></label>
<label>Namespace <input type="text" name="namespace" value="${view.namespace ?? ''}" placeholder="any"></label>
<button type="submit">Filter</button>
${view.q || view.namespace !== null ? html`<a href="/">Clear</a>` : ''}
</form>
<p class="summary" id="summary">Bundles ${first}–${view.offset + view.rows.length} of ${view.total}. Each cell is what the release journal says of that cluster; <code>drover status</code> reads the clusters live.</p>
<div class="scroll">
<table class="overview">
<caption class="visually-hidden">Bundles by environment and cluster</caption>
<thead>
<tr><th scope="col" rowspan="2">Bundle</th>${view.environments.map((e) => html`<th scope="colgroup" colspan="${e.clusters.length + 1}">${e.name}</th>`)}</tr>
<tr>${view.environments.map((e) => html`<th scope="col">tag</th>${e.clusters.map((c) => html`<th scope="col">${c}</th>`)}`)}</tr>
</thead>
<tbody>
${view.rows.length ? view.rows.map((r) => overviewRow(r, nowMs)) : html`<tr><td colspan="${1 + view.environments.reduce((n, e) => n + e.clusters.length + 1, 0)}">No bundles${view.q || view.namespace !== null ? ' match the filter' : ' yet: drover serve cuts them from the sources'}.</td></tr>`}
</tbody>
</table>
</div>
<nav class="pager" aria-label="Pages">
${pageNo > 1 ? html`<a href="${links.overview({ ...filter, page: pageNo - 1 })}" rel="prev">Previous</a>` : ''}
<span>Page ${pageNo} of ${pages}</span>
${pageNo < pages ? html`<a href="${links.overview({ ...filter, page: pageNo + 1 })}" rel="next">Next</a>` : ''}
</nav>
<p id="stale" class="notice" hidden>New bundles match this view: <a href="">reload</a> to see them.</p>`;
  return page({ title: 'Overview', ctx: { ...ctx, nav: 'overview' }, body, live });
}
