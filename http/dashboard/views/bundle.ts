/**
 * A bundle: what each environment runs and the actions on it, its versions
 * newest first with their provenance (commit, author, changed paths, where
 * quarantined), the members of one version and its signature (the key
 * that signed it, or why it does not verify), and for the newest the
 * reference that pulled each member in (as discovery finds it at the
 * source's head), and a form to diff any two versions.
 */
import type { BundleDetail, DiscoveredView, VersionView } from '../../../lib/index.ts';
import { html, path, type SafeHtml } from '../html.ts';
import { badge, digest, links, when } from './format.ts';
import { page, type PageContext } from './layout.ts';

const CHANGED_SHOWN = 8;

function changed(paths: readonly string[]): SafeHtml {
  if (paths.length === 0) return html`<span class="muted">none</span>`;
  const shown = paths.slice(0, CHANGED_SHOWN).map((p) => html`<li><code>${p}</code></li>`);
  return html`<ul class="paths">${shown}${paths.length > CHANGED_SHOWN ? html`<li class="muted">and ${paths.length - CHANGED_SHOWN} more</li>` : ''}</ul>`;
}

/** The version's signature: the trusted key that signed its digest, or why it does not verify. */
export function signatureLine(v: VersionView): SafeHtml {
  const s = v.signature;
  if (!s) return html``;
  if (s.verified)
    return html`<p class="summary signature" data-signature="verified">Signature ${badge('verified', 'ok')} signed by <code>${s.keyId}</code>, subject ${digest(v.digest)}</p>`;
  const label =
    s.reason === 'unsigned' ? 'unsigned' : s.reason === 'not-checked' ? 'not checked' : `refused: ${s.reason}`;
  return html`<p class="summary signature" data-signature="${s.reason}">Signature ${badge(label, s.reason === 'not-checked' ? 'none' : 'bad')} <span class="muted">${s.detail}</span></p>`;
}

function versionOptions(versions: readonly { version: string }[], selected: string | undefined): SafeHtml[] {
  return versions.map(
    (v) => html`<option value="${v.version}"${v.version === selected ? html` selected` : ''}>${v.version}</option>`,
  );
}

export function bundlePage({
  detail,
  versions,
  selected,
  discovered,
  discoverError,
  ctx,
  nowMs = Date.now(),
}: {
  detail: BundleDetail;
  versions: VersionView[];
  selected: VersionView | undefined;
  discovered: DiscoveredView | undefined;
  discoverError: string | null;
  ctx: PageContext;
  nowMs?: number;
}): SafeHtml {
  const b = detail.name;
  const quarantined = (v: string) => detail.quarantine.filter((q) => q.version === v);
  const envs = detail.environments.map(
    (e, i) =>
      html`<tr><th scope="row">${e.name}</th><td>${e.runs ? html`<span class="version">${e.runs}</span>` : html`<span class="muted">not one version</span>`}</td><td>${when(e.healthySince, nowMs)}</td><td class="actions">${
        i > 0
          ? html`<a class="button" href="${links.confirm('promote', { bundle: b, to: e.name })}">Promote to ${e.name}…</a>`
          : html`<a class="button" href="${links.confirm('deploy', { bundle: b, environment: e.name, version: detail.latest ?? undefined })}">Deploy to ${e.name}…</a>`
      } <a class="button" href="${links.confirm('rollback', { bundle: b, environment: e.name })}">Roll back ${e.name}…</a>${e.runs ? html` <a href="${links.rollout(b, e.runs, e.name)}">Rollout</a>` : ''}</td></tr>`,
  );
  const rows = versions.map((v) => {
    const q = quarantined(v.version);
    const p = v.config.provenance;
    return html`<tr${v.version === selected?.version ? html` aria-current="true"` : ''}>
<th scope="row"><a href="${links.bundle(b, v.version)}"><span class="version">${v.version}</span></a></th>
<td>${digest(v.digest)}</td>
<td><code title="${p.commit}">${p.commit.slice(0, 12)}</code></td>
<td>${p.author}</td>
<td>${when(p.commitTime, nowMs)}</td>
<td>${changed(p.changedPaths)}</td>
<td>${q.length ? q.map((x) => html`${badge(`quarantined in ${x.environment}`, 'bad')} `) : ''}</td>
<td>${v.parent ? html`<a href="${links.diff(b, v.parent, v.version)}">diff with ${v.parent}</a>` : html`<span class="muted">first</span>`}</td>
</tr>`;
  });
  const via = new Map((discovered?.members ?? []).map((m) => [m.ref, m]));
  const isNewest = selected && selected.version === detail.latest;
  const members = (selected?.config.members ?? []).map((m) => {
    const ref = `${m.kind}/${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
    const d = isNewest ? via.get(ref) : undefined;
    return html`<tr><th scope="row"><code>${ref}</code></th><td>${d ? d.via : html`<span class="muted">-</span>`}</td><td>${d?.from ? html`<code>${d.from}</code>` : d ? html`<span class="muted">root</span>` : html`<span class="muted">-</span>`}</td><td>${d ? html`<code>${d.file}</code>` : ''}</td><td>${digest(m.digest)}</td></tr>`;
  });
  const body = html`<h1>Bundle <span class="version">${b}</span></h1>
<p class="summary">Source <code>${detail.source}</code>, repository <code>${detail.repository}</code>${detail.left ? html` ${badge('left its source', 'warn')}` : ''}.</p>
<section aria-labelledby="envs"><h2 id="envs">Environments</h2>
<table><thead><tr><th scope="col">Environment</th><th scope="col">Runs</th><th scope="col">Healthy since</th><th scope="col">Actions</th></tr></thead><tbody>${envs}</tbody></table>
</section>
<section aria-labelledby="versions"><h2 id="versions">Versions, newest first</h2>
<form class="filters" method="get" action="${path('ui', 'bundles', b, 'diff')}">
<label>Diff from <select name="from">${versionOptions(versions, versions[1]?.version)}</select></label>
<label>to <select name="to">${versionOptions(versions, versions[0]?.version)}</select></label>
<button type="submit">Show diff</button>
</form>
<div class="scroll"><table><thead><tr><th scope="col">Version</th><th scope="col">Digest</th><th scope="col">Commit</th><th scope="col">Author</th><th scope="col">Committed</th><th scope="col">Changed paths</th><th scope="col">Quarantine</th><th scope="col">Diff</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>
<section aria-labelledby="members"><h2 id="members">Members of ${selected ? html`<span class="version">${selected.version}</span>` : 'no version'}</h2>
${selected ? signatureLine(selected) : ''}
${isNewest ? (discoverError ? html`<p class="notice">Why each member is in the bundle could not be read from the source: ${discoverError}</p>` : html`<p class="summary">“Via” and “from”: the reference that pulled each member in, as discovery finds it at the source's head.</p>`) : html`<p class="summary">Reference paths are shown for the newest version only.</p>`}
<div class="scroll"><table><thead><tr><th scope="col">Member</th><th scope="col">Via</th><th scope="col">From</th><th scope="col">File</th><th scope="col">Digest</th></tr></thead><tbody>${members}</tbody></table></div>
</section>`;
  return page({ title: b, ctx: { ...ctx, nav: 'bundle' }, body, live: `/ui/events?bundles=${encodeURIComponent(b)}` });
}
