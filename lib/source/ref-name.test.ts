import { describe, expect, it } from 'vitest';
import { checkBranchName, refNameProblem } from './ref-name.ts';

describe('refNameProblem', () => {
  it.each([
    ['main', undefined],
    ['release/1.2', undefined],
    ['feature/a-b_c', undefined],
    ['v1.0', undefined],
    ['', 'is empty'],
    ['-main', "starts with '-'"],
    ['@', "is '@'"],
    ['HEAD', "is 'HEAD'"],
    ['a..b', "contains '..'"],
    ['a b', "contains ' '"],
    ['a\tb', 'contains a control character'],
    ['a\x7fb', 'contains a control character'],
    ['a~1', "contains '~'"],
    ['a^', "contains '^'"],
    ['a:b', "contains ':'"],
    ['a?', "contains '?'"],
    ['a*', "contains '*'"],
    ['a[b', "contains '['"],
    ['a\\b', "contains '\\'"],
    ['a@{1}', "contains '@{'"],
    ['/a', "starts or ends with '/'"],
    ['a/', "starts or ends with '/'"],
    ['a//b', "contains '//'"],
    ['a.', "ends with '.'"],
    ['.hidden', "has a component starting with '.' (.hidden)"],
    ['a/.b', "has a component starting with '.' (.b)"],
    ['a.lock', "has a component ending with '.lock' (a.lock)"],
    ['x/a.lock/y', "has a component ending with '.lock' (a.lock)"],
  ])('%j -> %s', (name, problem) => {
    expect(refNameProblem(name)).toBe(problem);
  });
});

describe('checkBranchName', () => {
  it('drops refs/heads/', () => {
    expect(checkBranchName('refs/heads/main')).toBe('main');
  });
  it('throws InvalidInputError naming the branch and the rule', () => {
    expect(() => checkBranchName('a..b')).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT', message: `invalid branch name "a..b": it contains '..'` }),
    );
  });
});
