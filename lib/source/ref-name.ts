/**
 * Branch names checked against git's check-ref-format rules before they reach
 * a ref lookup or a fetch request, so a malformed name fails with a message
 * that says which rule it breaks instead of as an obscure protocol error.
 *
 * @example
 *   checkBranchName('release/1.2'); // 'release/1.2'
 *   checkBranchName('refs/heads/main'); // 'main'
 *   checkBranchName('a..b'); // throws InvalidInputError
 */
import { InvalidInputError } from '../errors/errors.ts';

/** Returns why `name` is not a valid branch name, or undefined when it is. */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.startsWith('-')) return "starts with '-'";
  if (name === '@') return "is '@'";
  if (name === 'HEAD') return "is 'HEAD'";
  // Control characters and DEL, space, and the characters git reserves for revision syntax.
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f) return 'contains a control character';
  }
  const bad = /[ ~^:?*[\\]/.exec(name);
  if (bad) return `contains '${bad[0]}'`;
  if (name.includes('..')) return "contains '..'";
  if (name.includes('@{')) return "contains '@{'";
  if (name.startsWith('/') || name.endsWith('/')) return "starts or ends with '/'";
  if (name.includes('//')) return "contains '//'";
  if (name.endsWith('.')) return "ends with '.'";
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a component starting with '.' (${part})`;
    if (part.endsWith('.lock')) return `has a component ending with '.lock' (${part})`;
  }
  return undefined;
}

/** Validates a branch name (a leading `refs/heads/` is dropped) and returns the short name. */
export function checkBranchName(branch: string): string {
  const name = branch.startsWith('refs/heads/') ? branch.slice('refs/heads/'.length) : branch;
  const problem = refNameProblem(name);
  if (problem) {
    throw new InvalidInputError(`invalid branch name ${JSON.stringify(branch)}: it ${problem}`, {
      data: { branch, problem },
    });
  }
  return name;
}
