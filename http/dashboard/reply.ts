/**
 * The dashboard's two kinds of reply, an HTML page and a redirect (303, so a
 * form's POST is followed by a GET), both carrying the security headers: a
 * Content-Security-Policy allowing only this origin's script and style, so
 * even an escaping mistake could not run an inline script, and no framing.
 *
 * @example
 *   htmlReply(200, overviewPage({ view, ctx }));
 *   redirect('/ui/login', { 'set-cookie': sessions.clearCookie() });
 */
import type { Reply } from '../router.ts';
import type { SafeHtml } from './html.ts';

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export const htmlReply = (status: number, body: SafeHtml, headers: Record<string, string> = {}): Reply => ({
  status,
  text: body.value,
  contentType: 'text/html; charset=utf-8',
  headers: { ...SECURITY_HEADERS, ...headers },
});

export const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({
  status: 303,
  text: '',
  headers: { ...SECURITY_HEADERS, location, ...headers },
});
