import { describe, expect, it } from 'vitest';
import { escapeHtml, html, path, query } from './html.ts';

describe('html', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["'single'", '&#39;single&#39;'],
    ['a & b', 'a &amp; b'],
    ['`tick`', '&#96;tick&#96;'],
  ])('escapes %s in text and attributes', (input, escaped) => {
    expect(html`<td title="${input}">${input}</td>`.value).toBe(`<td title="${escaped}">${escaped}</td>`);
    expect(escapeHtml(input)).toBe(escaped);
  });

  it('nests templates without escaping them twice, and lists of them', () => {
    const rows = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('renders nothing for false, null and undefined, and numbers as text', () => {
    expect(html`${false}${null}${undefined}${0}${3}`.value).toBe('03');
  });

  it('a plain string is never trusted, even one that looks like markup made here', () => {
    const made = html`<b>x</b>`.value;
    expect(html`${made}`.value).toBe('&lt;b&gt;x&lt;/b&gt;');
  });

  it('percent-encodes path segments and query values', () => {
    expect(path('bundles', 'we/b', '../x')).toBe('/bundles/we%2Fb/..%2Fx');
    expect(path('rollouts', 'javascript:alert(1)')).toBe('/rollouts/javascript%3Aalert(1)');
    expect(query({ q: 'a b&c', namespace: '', page: 2, none: undefined })).toBe('?q=a+b%26c&page=2');
    expect(query({})).toBe('');
  });
});
