/**
 * Small pieces every view shares: a state as a badge whose text says the
 * state (colour only repeats it), times as `<time>` with the exact instant in
 * its title, digests shortened with the whole one in the title, and the
 * links between views (one place that knows the URL of each).
 */
import type { CellState, ReleaseRecord } from '../../../lib/index.ts';
import { html, path, query, type SafeHtml } from '../html.ts';

export type Tone = 'ok' | 'busy' | 'bad' | 'warn' | 'none';

const CELL: Record<CellState, { text: string; tone: Tone }> = {
  healthy: { text: 'Healthy', tone: 'ok' },
  releasing: { text: 'Releasing', tone: 'busy' },
  'rolled-back': { text: 'Rolled back', tone: 'bad' },
  'rollback-failed': { text: 'Rollback failed', tone: 'bad' },
  retired: { text: 'Retired', tone: 'none' },
  'not-deployed': { text: 'Not deployed', tone: 'none' },
};

const RELEASE: Record<ReleaseRecord['state'], Tone> = {
  planned: 'busy',
  applying: 'busy',
  verifying: 'busy',
  'rolling-back': 'bad',
  succeeded: 'ok',
  failed: 'bad',
  'rolled-back': 'bad',
  'rollback-failed': 'bad',
};

export function badge(text: string, tone: Tone): SafeHtml {
  return html`<span class="badge ${`tone-${tone}`}">${text}</span>`;
}

export const cellBadge = (s: CellState): SafeHtml => badge(CELL[s].text, CELL[s].tone);
export const releaseBadge = (s: ReleaseRecord['state']): SafeHtml => badge(s, RELEASE[s]);

/** An instant as `<time>`: relative to `nowMs` in the text, exact in the title and datetime. */
export function when(iso: string | null | undefined, nowMs = Date.now()): SafeHtml {
  if (!iso) return html`<span class="muted">-</span>`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return html`${iso}`;
  const s = Math.round((nowMs - t) / 1000);
  const rel =
    s < 0
      ? 'just now'
      : s < 60
        ? `${s}s ago`
        : s < 3600
          ? `${Math.floor(s / 60)}m ago`
          : s < 86_400
            ? `${Math.floor(s / 3600)}h ago`
            : `${Math.floor(s / 86_400)}d ago`;
  return html`<time datetime="${iso}" title="${iso}">${rel}</time>`;
}

export function digest(d: string | null | undefined): SafeHtml {
  if (!d) return html`<span class="muted">-</span>`;
  return html`<code title="${d}">${d.replace(/^sha256:/, '').slice(0, 12)}</code>`;
}

export const links = {
  overview: (q: { q?: string; namespace?: string; page?: number } = {}) =>
    `/${query({ q: q.q, namespace: q.namespace, page: q.page && q.page > 1 ? q.page : undefined })}`,
  bundle: (bundle: string, version?: string) => `${path('ui', 'bundles', bundle)}${query({ version })}`,
  diff: (bundle: string, from: string, to: string) => `${path('ui', 'bundles', bundle, 'diff')}${query({ from, to })}`,
  rollout: (bundle: string, version: string, environment: string) =>
    path('ui', 'rollouts', bundle, version, environment),
  drift: (q: { bundle?: string; cluster?: string } = {}) => `/ui/drift${query(q)}`,
  pipeline: (page?: number) => `/ui/pipeline${query({ page: page && page > 1 ? page : undefined })}`,
  confirm: (action: 'promote' | 'rollback' | 'deploy' | 'heal', params: Record<string, string | undefined>) =>
    `${path('ui', 'confirm', action)}${query(params)}`,
};

/** A value from a diff or a drift finding as text (JSON for anything but a string; absent as an em dash). */
export function valueText(v: unknown): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
