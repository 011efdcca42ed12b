import { describe, expect, it } from 'vitest';
import { assembleWebhookSecrets } from './webhook-secrets.ts';

describe('assembleWebhookSecrets', () => {
  it.each([
    [
      { github: 'a', gitlab: 'b', generic: 'c' },
      { secrets: { github: 'a', gitlab: 'b', generic: 'c' }, shared: [] },
    ],
    [
      { github: 'a', gitlab: undefined, generic: '' },
      { secrets: { github: 'a' }, shared: [] },
    ],
    [
      { github: 's', gitlab: 's', generic: 'g' },
      { secrets: { generic: 'g' }, shared: [['github', 'gitlab']] },
    ],
    [
      { github: 's', gitlab: 's', generic: 's' },
      { secrets: {}, shared: [['github', 'gitlab', 'generic']] },
    ],
    [
      { github: undefined, gitlab: undefined, generic: undefined },
      { secrets: {}, shared: [] },
    ],
  ] as const)('%j -> %j', (values, expected) => {
    expect(assembleWebhookSecrets(values)).toEqual(expected);
  });
});
