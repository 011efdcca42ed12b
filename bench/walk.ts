/**
 * How far one operation wanders through the code: from an entry function,
 * every call to a function of this repository is followed in source order
 * (the TypeScript checker resolves each call to its declaration, through
 * imports), each function expanded once; calls into the layers that do the
 * work rather than orchestrate it (the release engine, adapters, pure rules,
 * foundation; see `STOP`) are left out, so what is measured is how the
 * orchestration (loop, verbs, rollout, workspace, monitor) moves between
 * its files. The trace is the sequence of files the operation is in; it
 * reports:
 *
 * - files entered: the distinct files of the trace;
 * - returns: moves into a file the trace had already left (coming back to a
 *   caller counts, as it does when reading the code);
 * - climbs: moves from a lower layer of eslint/layers.js to a higher one.
 *
 * ARCHITECTURE.md records these counts for one reconcile and one promote,
 * before and after the rollout engine. Run it on any checkout:
 *
 *   node bench/walk.ts lib/loop/reconcile-bundle.ts:reconcileBundle
 *   node bench/walk.ts lib/loop/actions.ts:promoteAction --trace
 *
 * Written here rather than taken from a call-graph tool: the counts are
 * defined by the project's own layer table, and the TypeScript compiler the
 * project already uses resolves the calls.
 */
import { relative, resolve } from 'node:path';
import ts from 'typescript';
import { LAYERS, layerOf } from '../eslint/layers.js';

/** Where a walk enters but does not look inside: the work, not the orchestration. */
const STOP = ['foundation', 'pure', 'adapter', 'schedule', 'events', 'release', 'repo'];

const root = resolve(import.meta.dirname, '..');
const [entry, ...flags] = process.argv.slice(2);
if (!entry?.includes(':')) {
  process.stderr.write('usage: node bench/walk.ts <file>:<function> [--trace]\n');
  process.exit(2);
}
const [entryFile, entryName] = entry.split(':') as [string, string];

const config = ts.getParsedCommandLineOfConfigFile(
  resolve(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
)!;
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const checker = program.getTypeChecker();
const rel = (f: string) => relative(root, f);
/** A file's layer, bottom up (eslint/layers.js lists them in that order); -1 outside the layered tree. */
const layerIndex = (file: string) => {
  const l = (layerOf as (p: string) => { name: string } | undefined)(file);
  return l ? (LAYERS as { name: string }[]).findIndex((x) => x.name === l.name) : -1;
};
const stops = (file: string) => {
  const l = (layerOf as (p: string) => { name: string } | undefined)(file);
  return !l || STOP.includes(l.name);
};

type Body = ts.FunctionLikeDeclaration;

/** The function a call lands in, if it is one of this repository's (not a test, not node_modules). */
function calleeOf(call: ts.CallExpression | ts.NewExpression): { file: string; body?: Body } | undefined {
  let sym = checker.getSymbolAtLocation(
    ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression,
  );
  if (!sym) return undefined;
  if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  const decl = sym.declarations?.[0];
  if (!decl) return undefined;
  const file = rel(decl.getSourceFile().fileName);
  if (file.startsWith('..') || file.includes('node_modules') || file.endsWith('.test.ts')) return undefined;
  let body: Body | undefined;
  if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl)) body = decl;
  else if (ts.isVariableDeclaration(decl) && decl.initializer && ts.isFunctionLike(decl.initializer))
    body = decl.initializer as Body;
  else if (ts.isPropertyAssignment(decl) && ts.isFunctionLike(decl.initializer)) body = decl.initializer as Body;
  return { file, ...(body ? { body } : {}) };
}

const trace: string[] = [];
const expanded = new Set<Body>();
const at = (file: string) => {
  if (trace.at(-1) !== file) trace.push(file);
};

function walk(body: Body, file: string): void {
  if (expanded.has(body)) return;
  expanded.add(body);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = calleeOf(node);
      if (callee && callee.file !== file) {
        // The work below the orchestration (engines, adapters, pure rules) is where the walk stops: not counted.
        if (!stops(callee.file)) {
          at(callee.file);
          if (callee.body) walk(callee.body, callee.file);
          at(file);
        }
      } else if (callee?.body) walk(callee.body, file);
    }
    ts.forEachChild(node, visit);
  };
  if (body.body) visit(body.body);
}

const source = program.getSourceFile(resolve(root, entryFile));
let start: Body | undefined;
source?.forEachChild((n) => {
  if (ts.isFunctionDeclaration(n) && n.name?.text === entryName) start = n;
  if (ts.isVariableStatement(n))
    for (const d of n.declarationList.declarations)
      if (d.name.getText() === entryName && d.initializer && ts.isFunctionLike(d.initializer))
        start = d.initializer as Body;
});
if (!start) {
  process.stderr.write(`no function ${entryName} in ${entryFile}\n`);
  process.exit(4);
}
at(entryFile);
walk(start, entryFile);

let returns = 0;
let climbs = 0;
for (let i = 1; i < trace.length; i++) {
  if (trace.slice(0, i - 1).includes(trace[i]!)) returns++;
  if (layerIndex(trace[i]!) > layerIndex(trace[i - 1]!)) climbs++;
}
const files = new Set(trace);
if (flags.includes('--trace')) process.stdout.write(`${trace.join('\n')}\n`);
process.stdout.write(
  `${entry}: ${files.size} files entered, ${returns} returns to a file already left, ${climbs} climbs back up a layer (${trace.length - 1} moves)\n`,
);
