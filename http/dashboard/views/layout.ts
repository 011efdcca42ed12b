/**
 * The page shell every view shares: one stylesheet, one client script (an
 * EventSource and a DOM morph, http/dashboard/assets/), a skip link, the
 * navigation, who is logged in, and the `<main>` the live updates refresh.
 * `live` is the Server-Sent Events URL this page listens on; a page without
 * it does not update by itself.
 */
import { html, type SafeHtml } from '../html.ts';

export interface PageContext {
  /** The current session's CSRF token (logged in), or null (anonymous read). */
  csrf: string | null;
  /** Which nav entry is the current page. */
  nav?: 'overview' | 'pipeline' | 'drift' | 'bundle' | 'rollout' | 'login';
}

const NAV: { key: NonNullable<PageContext['nav']>; href: string; text: string }[] = [
  { key: 'overview', href: '/', text: 'Overview' },
  { key: 'pipeline', href: '/ui/pipeline', text: 'Pipeline' },
  { key: 'drift', href: '/ui/drift', text: 'Drift' },
];

export function page({
  title,
  ctx,
  body,
  live,
}: {
  title: string;
  ctx: PageContext;
  body: SafeHtml;
  live?: string;
}): SafeHtml {
  const nav = NAV.map(
    (n) => html`<a href="${n.href}"${n.key === ctx.nav ? html` aria-current="page"` : ''}>${n.text}</a>`,
  );
  const who = ctx.csrf
    ? html`<form method="post" action="/ui/logout" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit" class="link">Log out</button></form>`
    : ctx.nav === 'login'
      ? ''
      : html`<a href="/ui/login">Log in</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Drover</title>
<link rel="stylesheet" href="/ui/assets/dashboard.css">
<script type="module" src="/ui/assets/dashboard.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">Drover</span>
<nav aria-label="Main">${nav}</nav>
<span class="spacer"></span>
${live ? html`<span id="live-status" class="live" role="status" aria-live="polite">connecting…</span>` : ''}
${who}
</header>
<main id="main"${live ? html` data-live="${live}"` : ''}>
${body}
</main>
</body>
</html>
`;
}

/** A short page for an error or a refusal (401, 403, 404, 409), with what to do next. */
export function messagePage({
  title,
  message,
  ctx,
  next,
}: {
  title: string;
  message: string;
  ctx: PageContext;
  next?: { href: string; text: string };
}): SafeHtml {
  return page({
    title,
    ctx,
    body: html`<h1>${title}</h1><p class="message">${message}</p>${next ? html`<p><a href="${next.href}">${next.text}</a></p>` : ''}`,
  });
}
