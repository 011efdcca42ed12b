/**
 * Failed logins, counted per client address: past `maxFailures` within
 * `windowMs`, that address is answered 429 with Retry-After until its oldest
 * failure leaves the window, so the API token cannot be guessed at speed.
 * A good login clears the address. The table is bounded (`maxAddresses`,
 * the least recently failed dropped first), so a flood of addresses costs
 * no more memory than that.
 *
 * The address is the connection's peer, or, when that peer is one of
 * `serve.trustedProxies`, the nearest address in X-Forwarded-For that is not
 * a trusted proxy itself (a client could write any X-Forwarded-For, so it
 * is believed only from a proxy the operator named).
 *
 * @example
 *   const limiter = createLoginLimiter();
 *   limiter.retryAfterSeconds('203.0.113.7') // undefined: may try; a number: 429 for that long
 */

export interface LoginLimiter {
  /** Seconds until the address may try again; undefined when it may try now. */
  retryAfterSeconds(address: string): number | undefined;
  fail(address: string): void;
  succeed(address: string): void;
}

export function createLoginLimiter({
  maxFailures = 10,
  windowMs = 15 * 60_000,
  maxAddresses = 10_000,
  now = Date.now,
}: { maxFailures?: number; windowMs?: number; maxAddresses?: number; now?: () => number } = {}): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (address: string) => (failures.get(address) ?? []).filter((t) => now() - t < windowMs);
  return {
    retryAfterSeconds(address) {
      const times = recent(address);
      if (times.length < maxFailures) return undefined;
      return Math.max(1, Math.ceil((times[times.length - maxFailures]! + windowMs - now()) / 1000));
    },
    fail(address) {
      const times = [...recent(address), now()];
      failures.delete(address);
      failures.set(address, times.slice(-maxFailures));
      for (const a of failures.keys()) {
        if (failures.size <= maxAddresses) break;
        failures.delete(a);
      }
    },
    succeed(address) {
      failures.delete(address);
    },
  };
}

/** The client's address: the peer, or through trusted proxies the nearest untrusted X-Forwarded-For entry. */
export function clientAddress({
  peer,
  forwardedFor,
  trustedProxies,
}: {
  peer: string | undefined;
  forwardedFor: string | string[] | undefined;
  trustedProxies: readonly string[];
}): string {
  const plain = (a: string) => a.trim().replace(/^::ffff:/, '');
  let address = plain(peer ?? 'unknown');
  if (!trustedProxies.includes(address)) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map(plain)
    .filter(Boolean);
  while (hops.length > 0 && trustedProxies.includes(address)) address = hops.pop()!;
  return address;
}
