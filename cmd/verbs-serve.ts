/**
 * `drover serve`: the daemon.
 */
import type { Verb } from './verb.ts';

export const serveVerbs: Verb[] = [];
