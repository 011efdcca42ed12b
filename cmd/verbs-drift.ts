/**
 * Verbs about what happens after a release: `drift` (out-of-band changes)
 * and `events` (the Kubernetes Events timeline of a bundle).
 */
import type { Verb } from './verb.ts';
import { driftVerb } from './verb-drift.ts';
import { eventsVerb } from './verb-events.ts';

export const driftVerbs: Verb[] = [driftVerb, eventsVerb];
