import { describe, expect, it } from 'vitest';
import { cookieValue, createSessionStore, SESSION_COOKIE } from './session.ts';

describe('sessions', () => {
  it('finds a session by its cookie, and not by any other value', () => {
    const store = createSessionStore();
    const s = store.create();
    expect(store.fromCookie(`a=1; ${SESSION_COOKIE}=${s.id}; b=2`)?.id).toBe(s.id);
    expect(store.fromCookie(`${SESSION_COOKIE}=${s.id}x`)).toBeUndefined();
    expect(store.fromCookie(undefined)).toBeUndefined();
    expect(store.fromCookie(`other=${s.id}`)).toBeUndefined();
  });

  it('makes a cookie that scripts cannot read and other sites do not send', () => {
    const store = createSessionStore({ ttlMs: 3600_000 });
    const c = store.cookie('abc');
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Strict');
    expect(c).toContain('Max-Age=3600');
    expect(c).not.toContain('Secure');
    expect(store.cookie('abc', { secure: true })).toContain('; Secure');
    expect(store.clearCookie()).toContain('Max-Age=0');
  });

  it('expires a session after its time without use, and renews it on use', () => {
    let t = 0;
    const store = createSessionStore({ ttlMs: 1000, now: () => t });
    const s = store.create();
    t = 900;
    expect(store.fromCookie(`${SESSION_COOKIE}=${s.id}`)).toBeDefined();
    t = 1800;
    expect(store.fromCookie(`${SESSION_COOKIE}=${s.id}`)).toBeDefined();
    t = 2900;
    expect(store.fromCookie(`${SESSION_COOKIE}=${s.id}`)).toBeUndefined();
  });

  it('ends a session at its absolute lifetime however busy it is, and says whether one still stands', () => {
    let t = 0;
    const store = createSessionStore({ ttlMs: 1000, maxAgeMs: 3000, now: () => t });
    const s = store.create();
    const cookie = `${SESSION_COOKIE}=${s.id}`;
    for (t = 500; t < 3000; t += 500) expect(store.fromCookie(cookie)?.id, String(t)).toBe(s.id);
    t = 2999;
    expect(store.alive(s.id)).toBe(true);
    t = 3000;
    expect(store.alive(s.id)).toBe(false);
    expect(store.fromCookie(cookie)).toBeUndefined();
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
    expect(store.fromCookie(`${SESSION_COOKIE}=${s.id}`)).toBeUndefined();
    expect(cookieValue('x=1;y = 2', 'y')).toBe('2');
  });
});
