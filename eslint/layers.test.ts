// The layering holds and bites: the lint rule refuses a wrong import (a pure
// module reaching an adapter, an adapter another adapter, an interface
// reaching past lib/index.ts, anything below the API importing it), and no
// file or folder of lib/, cmd/ and http/ imports itself through a cycle
// (imports read with the TypeScript compiler's own pre-processor, dynamic
// imports and re-exports included).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { layerOf, layerViolation } from './layers.js';

const root = resolve(import.meta.dirname, '..');

describe('the drover/layers lint rule', () => {
  const eslint = new ESLint({ cwd: root });
  const errors = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(root, file) }))[0]!.messages
      .filter((m) => m.ruleId === 'drover/layers')
      .map((m) => m.message);

  it.each([
    [
      'a pure module importing an adapter',
      'lib/object/bad.ts',
      "import { getObject } from '../cluster/get.ts';\nexport const x = getObject;\n",
      /pure module lib\/object\/bad\.ts may not import lib\/cluster\/get\.ts \(adapter\)/,
    ],
    [
      'an adapter importing another adapter',
      'lib/oci/bad.ts',
      "import { openState } from '../state/open.ts';\nexport const x = openState;\n",
      /adapter module lib\/oci\/bad\.ts may not import lib\/state\/open\.ts \(adapter\)/,
    ],
    [
      'the release engine importing the drift monitor above it',
      'lib/release/bad.ts',
      "export const x = () => import('../monitor/drift-monitor.ts');\n",
      /release module lib\/release\/bad\.ts may not import lib\/monitor\/drift-monitor\.ts \(monitor\)/,
    ],
    [
      'a verb importing the public API',
      'lib/verbs/bad.ts',
      "export { cut } from '../index.ts';\n",
      /verbs module lib\/verbs\/bad\.ts may not import lib\/index\.ts \(api\)/,
    ],
    [
      'the CLI reaching past the public API',
      'cmd/bad.ts',
      "import { listVersions } from '../lib/state/versions.ts';\nexport const x = listVersions;\n",
      /cmd\/bad\.ts is an interface: from lib\/ it may import only the public API/,
    ],
    [
      'an HTTP route reaching past the public API',
      'http/bad.ts',
      "import type { StatusRow } from '../lib/verbs/status.ts';\nexport type X = StatusRow;\n",
      /http\/bad\.ts is an interface/,
    ],
  ])('refuses %s', async (_what, file, code, message) => {
    expect(await errors(file, code)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    [
      'a verb using an engine and an adapter',
      'lib/verbs/ok.ts',
      "import { fanOut } from '../release/fanout.ts';\nimport { openState } from '../state/open.ts';\nexport const x = [fanOut, openState];\n",
    ],
    ['the CLI using the public API', 'cmd/ok.ts', "import { cut } from '../lib/index.ts';\nexport const x = cut;\n"],
    [
      'a test reaching into anything',
      'cmd/ok.test.ts',
      "import { openState } from '../lib/state/open.ts';\nexport const x = openState;\n",
    ],
  ])('allows %s', async (_what, file, code) => {
    expect(await errors(file, code)).toEqual([]);
  });

  it('every folder and file of lib/ belongs to a layer the table knows', () => {
    const unlayered = readdirSync(join(root, 'lib'))
      .filter((name) => !name.endsWith('.test.ts'))
      .map((name) => (statSync(join(root, 'lib', name)).isDirectory() ? `lib/${name}/x.ts` : `lib/${name}`))
      .filter((p) => !layerOf(p));
    expect(unlayered).toEqual([]);
  });

  it('every layered path belongs to exactly one layer the table knows', () => {
    expect(layerViolation('lib/bundle/x.ts', 'lib/object/ref.ts')).toBeUndefined();
    expect(layerViolation('lib/bundle/x.ts', 'lib/bundle/y.ts')).toBeUndefined();
    expect(layerViolation('lib/state/x.ts', 'lib/bundle/pack.ts')).toBeUndefined();
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'testdata' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Strongly connected components of more than one node (or a self-loop): the cycles. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('the cycle finder', () => {
  it.each([
    [
      'a chain',
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
      [],
    ],
    [
      'a two-file cycle',
      [
        ['a', 'b'],
        ['b', 'a'],
        ['b', 'c'],
      ],
      [['a', 'b']],
    ],
    [
      'a longer one, and a file importing itself',
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
        ['d', 'd'],
      ],
      [['a', 'b', 'c'], ['d']],
    ],
  ] as [string, [string, string][], string[][]][])('%s', (_name, edges, expected) => {
    const g = new Map<string, Set<string>>();
    for (const [a, b] of edges) {
      g.set(a, (g.get(a) ?? new Set()).add(b));
      if (!g.has(b)) g.set(b, new Set());
    }
    expect(cycles(g).sort()).toEqual(expected);
  });
});

describe('imports', () => {
  const files = ['lib', 'cmd', 'http'].flatMap((d) => sources(join(root, d)));
  const fileGraph = new Map<string, Set<string>>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const deps = info.importedFiles
      .map((i) => i.fileName)
      .filter((n) => n.startsWith('.'))
      .map((n) => relative(root, resolve(dirname(f), n)));
    fileGraph.set(relative(root, f), new Set(deps));
  }
  const folderOf = (p: string) =>
    p.startsWith('lib/') && p.split('/').length > 2 ? p.split('/').slice(0, 2).join('/') : p;

  it('are read from every source file', () => {
    expect(fileGraph.size).toBeGreaterThan(200);
    expect(fileGraph.get('cmd/main.ts')).toContain('lib/index.ts');
  });

  it('form no cycle between files', () => {
    expect(cycles(fileGraph)).toEqual([]);
  });

  it('form no cycle between folders of lib/', () => {
    const folders = new Map<string, Set<string>>();
    for (const [f, deps] of fileGraph) {
      const from = folderOf(f);
      const set = folders.get(from) ?? new Set<string>();
      for (const d of deps) if (folderOf(d) !== from) set.add(folderOf(d));
      folders.set(from, set);
    }
    expect(cycles(folders)).toEqual([]);
  });
});
