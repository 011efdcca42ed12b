/**
 * A diff between two versions of a bundle, member by member and field by
 * field (per target for rendered bundles), Secret values and encrypted
 * values masked by the library before they reach this page. Also the part of
 * an action's confirmation that says what will change.
 */
import type { FieldChange, MemberDiff, MembersDiff, ObjectRef } from '../../../lib/index.ts';
import { formatRef } from '../../../lib/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { badge, valueText } from './format.ts';
import { page, type PageContext } from './layout.ts';

function fields(fs: readonly FieldChange[]): SafeHtml {
  return html`<table class="fields"><thead><tr><th scope="col">Field</th><th scope="col">Change</th><th scope="col">Before</th><th scope="col">After</th></tr></thead><tbody>${fs.map(
    (f) =>
      html`<tr><th scope="row"><code>${f.path}</code></th><td>${f.op}</td><td><pre>${f.op === 'added' ? '—' : valueText(f.before)}</pre></td><td><pre>${f.op === 'removed' ? '—' : valueText(f.after)}</pre></td></tr>`,
  )}</tbody></table>`;
}

const refList = (refs: readonly ObjectRef[], tone: 'ok' | 'bad', word: string) =>
  refs.map((r) => html`<li>${badge(word, tone)} <code>${formatRef(r)}</code></li>`);

/** The members added, removed and changed (with their fields); unchanged ones counted. */
export function membersDiff(d: MembersDiff): SafeHtml {
  if (d.added.length + d.removed.length + d.changed.length === 0)
    return html`<p class="summary">No change: ${d.unchanged.length} members identical.</p>`;
  return html`<ul class="members">${refList(d.added, 'ok', 'added')}${refList(d.removed, 'bad', 'removed')}</ul>
${d.changed.map((m: MemberDiff) => html`<details open><summary>${badge('changed', 'warn')} <code>${formatRef(m.ref)}</code> (${m.fields.length} field${m.fields.length === 1 ? '' : 's'})</summary>${fields(m.fields)}</details>`)}
<p class="summary">${d.unchanged.length} members unchanged.</p>`;
}

export function diffPage({
  bundle,
  from,
  to,
  diff,
  ctx,
}: {
  bundle: string;
  from: string;
  to: string;
  diff: MembersDiff & { targets?: (MembersDiff & { target?: string })[] };
  ctx: PageContext;
}): SafeHtml {
  const body = html`<h1>${bundle}: <span class="version">${from}</span> → <span class="version">${to}</span></h1>
${diff.targets && diff.targets.length > 1 ? diff.targets.map((t) => html`<section><h2>Target ${t.target ?? 'default'}</h2>${membersDiff(t)}</section>`) : membersDiff(diff)}`;
  return page({ title: `${bundle} ${from} → ${to}`, ctx: { ...ctx, nav: 'bundle' }, body });
}
