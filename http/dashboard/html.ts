/**
 * HTML from plain template functions, with one escaping rule: every value
 * interpolated into `html` is escaped (text and attribute values alike),
 * unless it is itself the result of `html` (a `SafeHtml`, already escaped
 * when it was made) or a list of those. There is no other way to mark a
 * string safe, so a name read from a repository, a registry or a cluster
 * (`<script>` in a ConfigMap's name, an event message, a commit author)
 * can only ever render as text.
 *
 * Attribute values must be quoted in the template (`href="${url}"`): the
 * escaping covers `"` and `'` but an unquoted attribute could still be split
 * by a space.
 *
 * @example
 *   html`<td title="${reason}">${name}</td>`.value // '<td title="a &quot;b&quot;">&lt;script&gt;</td>'
 */

export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v as string | number | true));
}

/** A template whose every interpolation is escaped (see the module comment). `false`, null and undefined render nothing, for `${cond && html`...`}`. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** A URL path from segments, each percent-encoded (a bundle or version in a link can never become another path or a `javascript:` URL). */
export function path(...segments: string[]): string {
  return `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}

/** `?a=1&b=2` from the defined, non-empty entries; '' when none. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
