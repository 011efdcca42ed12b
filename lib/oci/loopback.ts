/**
 * Which hosts may be spoken to over plain http without being told: loopback
 * only (`localhost`, `127.0.0.0/8`, `::1`). Everything else needs https or an
 * explicit `insecure` option.
 */

/** `host` without port; IPv6 may be bracketed. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** `127.0.0.1:5000` -> `127.0.0.1`; `[::1]:5000` -> `::1`. */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  return hostPort.split(':')[0]!;
}
