// One name, one meaning: no two modules of lib/ export the same name
// (lib/index.ts, the public API, re-exports on purpose). The only other
// module that may export a name a module declares is its own folder's face
// (`index.ts`), re-exporting it: a folder's single way in. Read with the
// TypeScript compiler's parser, so a re-export counts like a declaration.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'testdata' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

interface Exported {
  file: string;
  /** `export … from` in a folder's index.ts: the face passing a name on. */
  face: boolean;
}

/** Every name each module exports (declared, or re-exported), by name. */
function exportsOf(files: readonly string[]): Map<string, Exported[]> {
  const byName = new Map<string, Exported[]>();
  // A value and a type of one name in one module (`const ExitCode` and `type ExitCode`) are one export.
  const add = (name: string, e: Exported) => {
    const all = byName.get(name) ?? [];
    if (!all.some((x) => x.file === e.file)) byName.set(name, [...all, e]);
  };
  for (const path of files) {
    const file = relative(root, path);
    const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const st of sf.statements) {
      if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
        const face = file.endsWith('/index.ts') && st.moduleSpecifier !== undefined;
        for (const el of st.exportClause.elements) add(el.name.text, { file, face });
        continue;
      }
      const exported =
        ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exported) continue;
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations) add(d.name.getText(sf), { file, face: false });
      else {
        const name = (st as ts.DeclarationStatement).name;
        if (name) add(name.getText(sf), { file, face: false });
      }
    }
  }
  return byName;
}

/** Names exported by more than one module, unless the others are the declaring module's own folder's face. */
function duplicateExports(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const [name, all] of exportsOf(files)) {
    const declared = all.filter((e) => !e.face);
    const faces = all.filter((e) => e.face);
    const ownFace = (f: Exported) => declared.length === 1 && dirname(declared[0]!.file) === dirname(f.file);
    if (declared.length > 1 || !faces.every(ownFace))
      out.push(`${name}: ${all.map((e) => `${e.file}${e.face ? ' (face)' : ''}`).join(', ')}`);
  }
  return out.sort();
}

describe('exported names', () => {
  it('no two modules of lib/ export the same name (their own folder face aside)', () => {
    const files = sources(join(root, 'lib')).filter((f) => relative(root, f) !== 'lib/index.ts');
    expect(duplicateExports(files)).toEqual([]);
  });
});
