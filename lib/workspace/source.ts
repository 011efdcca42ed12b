// moved to lib/repo/configured-source.ts; kept for lib/loop/daemon.ts until it is rewritten
export { openConfiguredSource } from '../repo/configured-source.ts';
