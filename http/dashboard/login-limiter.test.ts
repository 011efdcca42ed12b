import { describe, expect, it } from 'vitest';
import { clientAddress, createLoginLimiter } from './login-limiter.ts';

describe('createLoginLimiter', () => {
  it('answers after maxFailures within the window, until the oldest failure leaves it', () => {
    let t = 0;
    const limiter = createLoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBeUndefined();
      limiter.fail('a');
      t += 1000;
    }
    expect(limiter.retryAfterSeconds('a')).toBe(57);
    expect(limiter.retryAfterSeconds('b')).toBeUndefined();
    t = 60_001;
    expect(limiter.retryAfterSeconds('a')).toBeUndefined();
  });

  it('a good login clears the address; the table stays bounded', () => {
    const limiter = createLoginLimiter({ maxFailures: 1, maxAddresses: 2 });
    limiter.fail('a');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    limiter.succeed('a');
    expect(limiter.retryAfterSeconds('a')).toBeUndefined();
    for (const a of ['x', 'y', 'z']) limiter.fail(a);
    expect(limiter.retryAfterSeconds('x')).toBeUndefined();
    expect(limiter.retryAfterSeconds('z')).toBeGreaterThan(0);
  });
});

describe('clientAddress', () => {
  it.each([
    ['a peer not trusted: its own address, whatever it forwards', '203.0.113.7', '10.0.0.9', [], '203.0.113.7'],
    ['an IPv4-mapped peer', '::ffff:203.0.113.7', undefined, [], '203.0.113.7'],
    ['through a trusted proxy: the client it forwards', '10.0.0.1', '198.51.100.4', ['10.0.0.1'], '198.51.100.4'],
    [
      'a client that writes its own X-Forwarded-For is not believed past the proxy',
      '10.0.0.1',
      '1.2.3.4, 198.51.100.4',
      ['10.0.0.1'],
      '198.51.100.4',
    ],
    ['two trusted proxies', '10.0.0.1', '198.51.100.4, 10.0.0.2', ['10.0.0.1', '10.0.0.2'], '198.51.100.4'],
    ['a trusted proxy that forwards nothing', '10.0.0.1', undefined, ['10.0.0.1'], '10.0.0.1'],
  ] as const)('%s', (_what, peer, forwardedFor, trustedProxies, expected) => {
    expect(clientAddress({ peer, forwardedFor, trustedProxies })).toBe(expected);
  });
});
