/**
 * One rollout (a version to an environment): per wave and cluster, each
 * release of the version there as a timeline of its journal, with the failed
 * object and reason; beside it, the version's Kubernetes Events across the
 * environment's clusters, in time order, which is where the root cause of a
 * failed release usually is (`BackOff`, `FailedScheduling`, `Unhealthy`).
 */
import type { KubeEventRow, RolloutView } from '../../../lib/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { badge, links, releaseBadge, type Tone, when } from './format.ts';
import { outcomeText } from './outcome.ts';
import { page, type PageContext } from './layout.ts';

/** The rollout's badge, and for an ended one its outcome in words (outcome.ts, the dashboard's one switch on it). */
function verdict(view: RolloutView): { text: string; tone: Tone; message?: string } {
  switch (view.outcome) {
    case 'in-progress':
      return { text: 'In progress', tone: 'busy' };
    case 'interrupted':
      return {
        text: 'Interrupted',
        tone: 'warn',
        message: 'The rollout ended with the process that ran it; recovery finished its releases.',
      };
    case 'not-started':
      return { text: 'Not started', tone: 'none' };
    default: {
      const t = outcomeText({ ...view, outcome: view.outcome });
      return { text: t.title, tone: t.tone, message: t.message };
    }
  }
}

function events(rows: readonly KubeEventRow[], gatherError: string | null, nowMs: number): SafeHtml {
  return html`<section class="events" aria-labelledby="events"><h2 id="events">Kubernetes Events of this version</h2>
${gatherError ? html`<p class="notice">Events not read from every cluster just now: ${gatherError}; showing what was gathered before.</p>` : ''}
${
  rows.length === 0
    ? html`<p class="muted">None gathered for this version.</p>`
    : html`<ol class="timeline">${rows.map(
        (e) =>
          html`<li class="${e.type === 'Warning' ? 'warning' : ''}">${when(e.lastAt, nowMs)} <span class="cluster">${e.cluster}</span> ${badge(e.type, e.type === 'Warning' ? 'bad' : 'none')} <strong>${e.reason}</strong> <code>${e.object}</code>${e.count > 1 ? html` ×${e.count}` : ''}<div class="message">${e.message}</div></li>`,
      )}</ol>`
}
</section>`;
}

export function rolloutPage({
  view,
  gatherError,
  ctx,
  nowMs = Date.now(),
}: {
  view: RolloutView;
  gatherError: string | null;
  ctx: PageContext;
  nowMs?: number;
}): SafeHtml {
  const v = verdict(view);
  const waves = view.waves.map(
    (
      w,
    ) => html`<section class="wave" aria-labelledby="${`wave-${w.index}`}"><h2 id="${`wave-${w.index}`}">Wave ${w.index + 1}: ${w.clusters.map((c) => c.cluster).join(', ')}</h2>
${w.clusters.map(
  (c) => html`<article class="cluster-releases"><h3>${c.cluster}</h3>
${
  c.releases.length === 0
    ? html`<p class="muted">No release of ${view.version} here${w.index > 0 ? ' (an earlier wave stopped the rollout, or it has not reached this wave)' : ''}.</p>`
    : c.releases.map(
        (
          r,
        ) => html`<div class="release"><p>${releaseBadge(r.state)} release ${r.id}${r.fromVersion ? html`, from <span class="version">${r.fromVersion}</span>` : ''}, started ${when(r.startedAt, nowMs)}${r.finishedAt ? html`, finished ${when(r.finishedAt, nowMs)}` : ''}</p>
${r.failedObject || r.reason ? html`<p class="failure"><strong>Failed object:</strong> <code>${r.failedObject ?? '-'}</code> <strong>Reason:</strong> ${r.reason ?? '-'}</p>` : ''}
<ol class="timeline">${r.steps.map((s) => html`<li>${when(s.at, nowMs)} ${releaseBadge(s.state)} ${s.message}</li>`)}</ol></div>`,
      )
}
</article>`,
)}
</section>`,
  );
  const body = html`<h1>${view.bundle} <span class="version">${view.version}</span> to ${view.environment}: ${badge(v.text, v.tone)}</h1>
${v.message ? html`<p class="${`outcome tone-${v.tone}`}" role="status">${v.message}</p>` : ''}
<p class="actions"><a href="${links.bundle(view.bundle, view.version)}">Bundle ${view.bundle}</a> <a class="button" href="${links.confirm('rollback', { bundle: view.bundle, environment: view.environment })}">Roll back ${view.environment}…</a></p>
<div class="rollout">
<div class="waves">${waves}</div>
${events(view.events, gatherError, nowMs)}
</div>`;
  return page({
    title: `${view.bundle} ${view.version} to ${view.environment}`,
    ctx: { ...ctx, nav: 'rollout' },
    body,
    live: `/ui/events?bundles=${encodeURIComponent(view.bundle)}`,
  });
}
