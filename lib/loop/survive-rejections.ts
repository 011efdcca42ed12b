/**
 * The daemon's net under forgotten catches. A promise rejected with nobody to catch it, anywhere in the process, is
 * logged and survived: the daemon serves many bundles and clusters, and one
 * forgotten `catch` must not stop all of them (Node's default ends the
 * process). Each task already has its own catch and backoff; this is the net.
 *
 * @example
 *   const survive = surviveRejections(log);
 *   try { ... } finally { survive.stop(); }
 */
import { toDroverError } from '../errors/errors.ts';
import type { Logger } from './log.ts';

export function surviveRejections(log: Logger): { stop: () => void } {
  const onRejection = (reason: unknown) =>
    log.error('unhandled rejection (logged and survived)', { error: toDroverError(reason) });
  process.on('unhandledRejection', onRejection);
  return { stop: () => process.off('unhandledRejection', onRejection) };
}
