/**
 * The dashboard's two kinds of reply, an HTML page and a redirect (303, so a
 * form's POST is followed by a GET). The security headers (a
 * Content-Security-Policy allowing only this origin's script and style, so
 * even an escaping mistake could not run an inline script, and no framing)
 * are added to every dashboard answer by Hono's secure-headers middleware,
 * configured here to exactly these headers.
 *
 * @example
 *   return htmlReply(c, 200, overviewPage({ view, ctx }));
 *   return redirect(c, '/ui/login');
 */
import type { Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SafeHtml } from './html.ts';

/** The security headers every dashboard answer carries, and nothing else of secure-headers' defaults. */
export const dashboardSecurityHeaders = () =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    xContentTypeOptions: true,
    referrerPolicy: 'same-origin',
    xFrameOptions: 'DENY',
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    strictTransportSecurity: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });

export const htmlReply = (c: Context, status: number, body: SafeHtml, headers: Record<string, string> = {}): Response =>
  c.body(body.value, status as ContentfulStatusCode, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });

export const textReply = (c: Context, status: number, text: string, headers: Record<string, string> = {}): Response =>
  c.body(text, status as ContentfulStatusCode, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });

export const redirect = (c: Context, location: string): Response => c.body('', 303, { location });
