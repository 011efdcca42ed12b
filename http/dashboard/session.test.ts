import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE, sessionCookies } from './session-cookie.ts';
import { createSessionStore } from './session.ts';

describe('sessions', () => {
  it('finds a session by its id, and not by any other value', () => {
    const store = createSessionStore();
    const s = store.create();
    expect(store.find(s.id)?.id).toBe(s.id);
    expect(store.find(`${s.id}x`)).toBeUndefined();
    expect(store.find(undefined)).toBeUndefined();
    expect(store.find('')).toBeUndefined();
  });

  it('expires a session after its time without use, and renews it on use', () => {
    let t = 0;
    const store = createSessionStore({ ttlMs: 1000, now: () => t });
    const s = store.create();
    t = 900;
    expect(store.find(s.id)).toBeDefined();
    t = 1800;
    expect(store.find(s.id)).toBeDefined();
    t = 2900;
    expect(store.find(s.id)).toBeUndefined();
  });

  it('ends a session at its absolute lifetime however busy it is, and says whether one still stands', () => {
    let t = 0;
    const store = createSessionStore({ ttlMs: 1000, maxAgeMs: 3000, now: () => t });
    const s = store.create();
    for (t = 500; t < 3000; t += 500) expect(store.find(s.id)?.id, String(t)).toBe(s.id);
    t = 2999;
    expect(store.alive(s.id)).toBe(true);
    t = 3000;
    expect(store.alive(s.id)).toBe(false);
    expect(store.find(s.id)).toBeUndefined();
  });

  it('checks the CSRF token of the session, and refuses a missing or another one', () => {
    const store = createSessionStore();
    const a = store.create();
    const b = store.create();
    expect(a.csrf).not.toBe(b.csrf);
    expect(store.checkCsrf(a, a.csrf)).toBe(true);
    expect(store.checkCsrf(a, b.csrf)).toBe(false);
    expect(store.checkCsrf(a, undefined)).toBe(false);
    expect(store.checkCsrf(a, '')).toBe(false);
  });

  it('ends a session', () => {
    const store = createSessionStore();
    const s = store.create();
    store.end(s.id);
    expect(store.find(s.id)).toBeUndefined();
  });
});

/** The Set-Cookie a login and a logout answer with, and the id read back from a Cookie header. */
async function cookiesOf({
  publicUrl,
  headers = {},
  cookie,
}: {
  publicUrl?: string;
  headers?: Record<string, string>;
  cookie?: string;
}) {
  const cookies = sessionCookies({ ttlMs: 3600_000, ...(publicUrl ? { publicUrl: new URL(publicUrl) } : {}) });
  const app = new Hono();
  app.get('/in', (c) => (cookies.write(c, 'abc'), c.body(null, 204)));
  app.get('/out', (c) => (cookies.clear(c), c.body(null, 204)));
  app.get('/read', (c) => c.text(cookies.read(c) ?? '(none)'));
  return {
    set: (await app.request('/in', { headers })).headers.get('set-cookie')!,
    cleared: (await app.request('/out', { headers })).headers.get('set-cookie')!,
    read: await (await app.request('/read', { headers: cookie ? { cookie } : {} })).text(),
  };
}
const attributes = (setCookie: string) => setCookie.split('; ').slice(1).sort();

describe('the session cookie', () => {
  it('is one that scripts cannot read and other sites do not send', async () => {
    const c = await cookiesOf({ cookie: `a=1; ${SESSION_COOKIE}=abc; b=2` });
    expect(c.set.split('; ')[0]).toBe(`${SESSION_COOKIE}=abc`);
    expect(attributes(c.set)).toEqual(['HttpOnly', 'Max-Age=3600', 'Path=/', 'SameSite=Strict']);
    expect(c.cleared).toContain('Max-Age=0');
    expect(c.read).toBe('abc');
    expect((await cookiesOf({ cookie: `other=abc` })).read).toBe('(none)');
  });

  it('is Secure when a proxy says the browser came over HTTPS', async () => {
    const c = await cookiesOf({ headers: { 'x-forwarded-proto': 'https' } });
    expect(attributes(c.set)).toContain('Secure');
  });

  it('under an https serve.publicUrl, is Secure and __Host- prefixed whatever the proxy says', async () => {
    const c = await cookiesOf({ publicUrl: 'https://drover.example.com', cookie: `__Host-${SESSION_COOKIE}=abc` });
    expect(c.set.split('; ')[0]).toBe(`__Host-${SESSION_COOKIE}=abc`);
    expect(attributes(c.set)).toEqual(['HttpOnly', 'Max-Age=3600', 'Path=/', 'SameSite=Strict', 'Secure']);
    expect(c.set).not.toMatch(/Domain=/i);
    expect(c.cleared.split('; ')[0]).toBe(`__Host-${SESSION_COOKIE}=`);
    expect(c.read).toBe('abc');
    // The plain name is not read under the prefix: a cookie set by another host or path cannot stand in.
    expect((await cookiesOf({ publicUrl: 'https://d.example', cookie: `${SESSION_COOKIE}=abc` })).read).toBe('(none)');
    // An http publicUrl changes nothing.
    expect((await cookiesOf({ publicUrl: 'http://d.example' })).set.split('; ')[0]).toBe(`${SESSION_COOKIE}=abc`);
  });
});
