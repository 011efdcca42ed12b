import { describe, expect, it } from 'vitest';
import { splitVerb } from './main.ts';

describe('splitVerb: global flags before or after the verb', () => {
  it.each([
    [['status'], 'status', []],
    [['--config', 'x.yaml', 'status'], 'status', ['--config', 'x.yaml']],
    [['-c', 'x.yaml', '-o', 'json', 'versions', 'web'], 'versions', ['-c', 'x.yaml', '-o', 'json', 'web']],
    [
      ['--config=x.yaml', '--quiet', 'cut', '--bundle', 'web'],
      'cut',
      ['--config=x.yaml', '--quiet', '--bundle', 'web'],
    ],
    [['status', '--config', 'x.yaml'], 'status', ['--config', 'x.yaml']],
    // A flag no verb-independent parser knows stops the scan: the verb parser reports it.
    [['--bundle', 'web', 'cut'], '--bundle', ['web', 'cut']],
    [['--help'], '--help', []],
    [[], undefined, []],
  ] as [string[], string | undefined, string[]][])('%j', (argv, name, rest) => {
    expect(splitVerb(argv)).toEqual({ name, rest });
  });
});
