// `npm run lint` is ESLint with eslint.config.js, then `prettier --check .`:
// each check here runs the same configuration on a probe file placed in
// lib/, and shows it refuses what issue #25 asks it to refuse (an unformatted
// file, an optional argument spread conditionally, a function of 81 lines)
// and accepts the same code written as asked.
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const probe = join(root, 'lib', 'verbs', 'lint-probe.ts');
const eslint = new ESLint({ cwd: root });

const messages = async (code: string) =>
  (await eslint.lintText(code, { filePath: probe }))[0]!.messages.map((m) => `${m.ruleId}: ${m.message}`);

/** A function of `lines` lines in all, from its signature to its closing brace. */
const functionOf = (lines: number) =>
  `export function long(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines - 4)}  return n;\n}\n`;

describe('npm run lint', () => {
  it('refuses a conditional spread of an optional argument, and accepts it passed plainly', async () => {
    const spread = `export function f(signal?: AbortSignal): object {\n  return { a: 1, ...(signal ? { signal } : {}) };\n}\n`;
    expect(await messages(spread)).toEqual([
      'no-restricted-syntax: Pass an optional argument plainly ({ signal }), not as a conditional spread.',
    ]);
    const opts = `export function f(opts: { onEvent?: () => void }): object {\n  return { ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) };\n}\n`;
    expect(await messages(opts)).toHaveLength(1);
    expect(
      await messages(`export function f(signal?: AbortSignal): object {\n  return { a: 1, signal };\n}\n`),
    ).toEqual([]);
  });

  it('refuses a function of 81 lines (blank lines and comments not counted), and accepts one of 80', async () => {
    expect(await messages(functionOf(80))).toEqual([]);
    expect(await messages(functionOf(81))).toEqual([
      expect.stringMatching(
        /^max-lines-per-function: Function 'long' has too many lines \(81\)\. Maximum allowed is 80\./,
      ),
    ]);
    const padded = functionOf(80).replace('  let n = 0;\n', `  let n = 0;\n${'\n  // why\n'.repeat(10)}`);
    expect(await messages(padded)).toEqual([]);
  });

  it('refuses an unformatted file (prettier --check), and accepts it formatted', async () => {
    const options = { ...(await prettier.resolveConfig(probe)), filepath: probe };
    const ugly = `export const x   = { a:1,b : 2 }\n`;
    expect(await prettier.check(ugly, options)).toBe(false);
    expect(await prettier.check(await prettier.format(ugly, options), options)).toBe(true);
    expect(await prettier.getFileInfo(probe, { ignorePath: join(root, '.prettierignore') })).toMatchObject({
      ignored: false,
    });
  });
});
