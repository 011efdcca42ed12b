/**
 * An action's confirmation: what will change before anything does. For a
 * release (promote, roll back, deploy): the version diff between what the
 * environment runs and the version it will run, and per cluster the diff
 * against what is live there (`drover diff B@V --cluster C`). For a heal:
 * the drifted fields that will be taken back. The form posts the CSRF token
 * of the session; nothing happens without the button.
 */
import type { ClusterDiff, FindingRecord, MembersDiff } from '../../../lib/index.ts';
import { html, path, type SafeHtml } from '../html.ts';
import { membersDiff } from './diff.ts';
import { links, valueText } from './format.ts';
import { page, type PageContext } from './layout.ts';

export type ActionKind = 'promote' | 'rollback' | 'deploy' | 'heal';

export interface ClusterPreview {
  cluster: string;
  /** The diff against the live cluster, or why there is none (an agent cluster, unreachable). */
  diff: (MembersDiff & Partial<Pick<ClusterDiff, 'foreign' | 'adopted' | 'letGo' | 'refusals'>>) | null;
  note: string | null;
}

export interface ConfirmModel {
  action: ActionKind;
  /** What the button says: `Promote web 1.0.1 to prod`. */
  summary: string;
  /** The form's fields, posted as they are. */
  fields: Record<string, string>;
  /** The version diff (from -> to), when there is a from. */
  versionDiff: { from: string; to: string; diff: MembersDiff } | null;
  clusters: ClusterPreview[];
  findings?: FindingRecord[];
  /** Why it cannot be done (nothing to promote, no previous version): shown instead of the button. */
  blocked?: string;
}

/**
 * What the release would refuse or let go on a cluster: members that exist
 * and are not the bundle's, each with the `spec.adopt` line that would take
 * it over (bringing Drover to an existing cluster starts here), other
 * refusals, what it adopts, and what it releases instead of deleting.
 */
function ownershipNotes(d: NonNullable<ClusterPreview['diff']>): SafeHtml {
  const foreign = d.foreign ?? [];
  const refusals = d.refusals ?? [];
  const adoptLines = foreign
    .filter((f) => !f.claimedBy)
    .map(
      (f) =>
        `  - { kind: ${f.adopt.kind}${f.adopt.namespace ? `, namespace: ${f.adopt.namespace}` : ''}, name: ${f.adopt.name} }`,
    );
  return html`${
    foreign.length || refusals.length
      ? html`<div class="notice" role="alert"><p>The release would be refused on this cluster, before any write:</p><ul>${[...foreign, ...refusals].map((f) => html`<li><code>${f.ref}</code>: ${f.message}</li>`)}</ul>${
          adoptLines.length
            ? html`<p>To take them over, add to the Bundle:</p><pre>${`spec:\n  adopt:\n${adoptLines.join('\n')}`}</pre>`
            : ''
        }</div>`
      : ''
  }${d.adopted?.length ? html`<p>Adopted (their state now is kept, and put back if this release is rolled back): ${d.adopted.map((r) => html`<code>${r}</code> `)}</p>` : ''}${
    d.letGo?.length
      ? html`<p>Released, not deleted:</p><ul>${d.letGo.map((x) => html`<li><code>${x.ref}</code>: ${x.reason}</li>`)}</ul>`
      : ''
  }`;
}

export function confirmPage({ model, ctx }: { model: ConfirmModel; ctx: PageContext }): SafeHtml {
  const vd = model.versionDiff;
  const body = html`<h1>${model.summary}?</h1>
${model.blocked ? html`<p class="notice" role="alert">${model.blocked}</p>` : ''}
${vd ? html`<section aria-labelledby="vdiff"><h2 id="vdiff">Version diff: <span class="version">${vd.from}</span> → <span class="version">${vd.to}</span></h2>${membersDiff(vd.diff)}</section>` : ''}
${model.clusters.map(
  (c) =>
    html`<section aria-label="${`Changes on ${c.cluster}`}"><h2>On ${c.cluster}, against what is live</h2>${c.note ? html`<p class="notice">${c.note}</p>` : ''}${c.diff ? membersDiff(c.diff) : ''}${c.diff ? ownershipNotes(c.diff) : ''}</section>`,
)}
${
  model.findings
    ? html`<section aria-labelledby="heal"><h2 id="heal">Fields taken back</h2>${model.findings.map(
        (f) =>
          html`<h3><code>${f.ref}</code></h3><table class="fields"><thead><tr><th scope="col">Field</th><th scope="col">Live now</th><th scope="col">Back to</th><th scope="col">Changed by</th></tr></thead><tbody>${f.fields.map(
            (x) =>
              html`<tr><th scope="row"><code>${x.path}</code></th><td><pre>${valueText(x.live)}</pre></td><td><pre>${valueText(x.desired)}</pre></td><td>${x.managers?.join(', ') ?? ''}</td></tr>`,
          )}</tbody></table>`,
      )}</section>`
    : ''
}
${
  model.blocked || !ctx.csrf
    ? !ctx.csrf
      ? html`<p class="notice">Log in to act: <a href="/ui/login">log in</a>.</p>`
      : ''
    : html`<form method="post" action="${path('ui', 'actions', model.action)}" class="confirm">
${Object.entries(model.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<input type="hidden" name="csrf" value="${ctx.csrf}">
<button type="submit" class="primary">${model.summary}</button>
<a href="${links.bundle(model.fields.bundle ?? '')}" class="cancel">Cancel</a>
</form>`
}`;
  return page({ title: model.summary, ctx, body });
}
