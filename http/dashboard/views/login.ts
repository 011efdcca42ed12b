/** The login form: the API token in a password field, posted once; the answer is a session cookie, never the token. */
import { html, type SafeHtml } from '../html.ts';
import { page } from './layout.ts';

export function loginPage({ next, error }: { next: string; error?: string }): SafeHtml {
  const body = html`<h1>Log in</h1>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form method="post" action="/ui/login" class="login">
<input type="hidden" name="next" value="${next}">
<label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>
<p class="summary">The token is the one <code>drover serve</code> reads from the variable <code>serve.tokenEnv</code> names; the dashboard keeps a session cookie, not the token.</p>`;
  return page({ title: 'Log in', ctx: { csrf: null, nav: 'login' }, body });
}
