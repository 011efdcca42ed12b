/**
 * Loads Kubernetes objects from multi-document YAML files handed in as text,
 * with limits, so a hostile or broken repository fails fast with a message that
 * names the file (and line) instead of exhausting memory or the stack:
 * file size, total size, document count, nesting depth (checked on the
 * parser's token tree before any value is built, so deep nesting cannot
 * overflow the stack) and alias expansion (billion laughs, `yaml`'s
 * `maxAliasCount`). Pure: the caller reads the files.
 *
 * Every object comes back tagged with its file and document index. Empty
 * documents are skipped; a `kind: List` is expanded into its items. Two
 * objects with the same identity (see `refKey`) anywhere in the input are an
 * error naming both files.
 *
 * YAML 1.2 core schema with merge keys (`<<`), duplicate keys refused.
 *
 * @example
 *   const objects = loadObjects({ files: [{ path: 'app/web.yaml', text }] });
 *   objects[0] // { object: {...}, ref: {group:'apps',kind:'Deployment',...}, file: 'app/web.yaml', index: 0, line: 1 }
 */
import { Composer, LineCounter, Parser } from 'yaml';

import type { CST } from 'yaml';
import { InvalidInputError } from '../errors/errors.ts';

import { formatRef, refKey, refOf, type KubeObject, type ObjectRef } from './ref.ts';

export interface YamlFile {
  path: string;
  text: string;
}

export interface YamlLimits {
  /** Largest single file, in UTF-8 bytes. */
  maxFileBytes: number;
  /** Largest sum of all files, in UTF-8 bytes. */
  maxTotalBytes: number;
  /** Most YAML documents across all files. */
  maxDocuments: number;
  /** Deepest nesting of collections in one document. */
  maxDepth: number;
  /** Alias expansion budget per document (`yaml`'s maxAliasCount). */
  maxAliasCount: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxDocuments: 20_000,
  maxDepth: 100,
  maxAliasCount: 100,
};

/** One object read from one document of one file. */
export interface LoadedObject {
  object: KubeObject;
  ref: ObjectRef;
  /** The file it came from, as handed in. */
  file: string;
  /** Index of the YAML document within the file (0-based, counting empty documents). */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  /** Index within a `kind: List` document's items, when it came from one. */
  item?: number;
}

/** A file that could not be loaded: the error names the file (and line), `data.reason` says what kind of problem. */
export interface FileFailure {
  file: string;
  line?: number;
  error: InvalidInputError;
}

/**
 * Parses every file and returns its objects in input order (file order, then
 * document order). Throws InvalidInputError naming the file on the first
 * problem; with `onFileError`, a problem within one file (malformed YAML, too
 * large, too deep, an alias bomb, a document that is not an object) skips
 * that file and is handed there instead, and only problems of the input as a
 * whole (total size, document count, a duplicate object) throw.
 */
export function loadObjects({
  files,
  limits = {},
  onFileError,
}: {
  files: readonly YamlFile[];
  limits?: Partial<YamlLimits>;
  onFileError?: (f: FileFailure) => void;
}): LoadedObject[] {
  const lim: YamlLimits = { ...DEFAULT_YAML_LIMITS, ...limits };
  const out: LoadedObject[] = [];
  const seen = new Map<string, LoadedObject>();
  let total = 0;
  let documents = 0;
  for (const file of files) {
    const bytes = Buffer.byteLength(file.text, 'utf8');
    total += bytes;
    if (total > lim.maxTotalBytes) {
      throw fail(file.path, `input exceeds the total limit of ${lim.maxTotalBytes} bytes`, 'total-too-large');
    }
    let loadedFromFile: LoadedObject[];
    try {
      if (bytes > lim.maxFileBytes)
        throw fail(file.path, `file is ${bytes} bytes, more than the limit of ${lim.maxFileBytes}`, 'file-too-large');
      loadedFromFile = loadFile(file, lim, () => {
        documents += 1;
        if (documents > lim.maxDocuments)
          throw new WholeInputError(
            fail(file.path, `more than ${lim.maxDocuments} YAML documents in the input`, 'too-many-documents'),
          );
      });
    } catch (err) {
      if (err instanceof WholeInputError) throw err.error;
      if (!onFileError || !(err instanceof InvalidInputError)) throw err;
      onFileError({
        file: file.path,
        ...(typeof err.data.line === 'number' ? { line: err.data.line } : {}),
        error: err,
      });
      continue;
    }
    // A duplicate fails the input; with onFileError, the file that repeats an object is the one left out (all of it).
    const duplicate = loadedFromFile
      .map((loaded) => ({ loaded, first: seen.get(refKey(loaded.ref)) }))
      .find(
        (d) =>
          d.first !== undefined ||
          loadedFromFile.some(
            (o) => o !== d.loaded && o.index < d.loaded.index && refKey(o.ref) === refKey(d.loaded.ref),
          ),
      );
    if (duplicate) {
      const first = duplicate.first ?? loadedFromFile.find((o) => refKey(o.ref) === refKey(duplicate.loaded.ref))!;
      const err = new InvalidInputError(
        `duplicate object ${formatRef(duplicate.loaded.ref)}: defined in ${where(first)} and ${where(duplicate.loaded)}`,
        {
          data: {
            object: formatRef(duplicate.loaded.ref),
            files: [first.file, duplicate.loaded.file],
            reason: 'duplicate',
            first: where(first),
            second: where(duplicate.loaded),
            file: duplicate.loaded.file,
            line: duplicate.loaded.line,
          },
        },
      );
      if (!onFileError) throw err;
      onFileError({ file: file.path, line: duplicate.loaded.line, error: err });
      continue;
    }
    for (const loaded of loadedFromFile) {
      seen.set(refKey(loaded.ref), loaded);
      out.push(loaded);
    }
  }
  return out;
}

/** A limit of the whole input, which no single file can be blamed for alone. */
class WholeInputError extends Error {
  readonly error: InvalidInputError;
  constructor(error: InvalidInputError) {
    super(error.message);
    this.error = error;
  }
}

function where(o: LoadedObject): string {
  return `${o.file}:${o.line}`;
}

function fail(
  file: string,
  reason: string,
  code: string,
  pos?: { line: number; col: number },
  cause?: unknown,
): InvalidInputError {
  const at = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return new InvalidInputError(`${at}: ${reason}`, {
    data: { file, ...(pos ? { line: pos.line, column: pos.col } : {}), reason: code },
    cause,
  });
}

function loadFile(file: YamlFile, lim: YamlLimits, countDocument: () => void): LoadedObject[] {
  const lineCounter = new LineCounter();
  const tokens: CST.Token[] = [];
  for (const token of new Parser(lineCounter.addNewLine).parse(file.text)) {
    if (token.type === 'document') {
      countDocument();
      const deep = tooDeep(token, lim.maxDepth);
      if (deep !== undefined) {
        throw fail(file.path, `nesting deeper than ${lim.maxDepth} levels`, 'too-deep', lineCounter.linePos(deep));
      }
    }
    tokens.push(token);
  }
  // logLevel error: the library's warnings (a collection as a key, as in a Helm template read as YAML) go to no one's stderr.
  const composer = new Composer({
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    logLevel: 'error',
  });
  const out: LoadedObject[] = [];
  let index = -1;
  for (const doc of composer.compose(tokens, true, file.text.length)) {
    index += 1;
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw fail(file.path, `malformed YAML: ${firstLine(error.message)}`, 'malformed', pos, error);
    }
    if (doc.contents === null) continue;
    const line = lineCounter.linePos(doc.contents.range[0]).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: lim.maxAliasCount });
    } catch (err) {
      if (err instanceof ReferenceError && /excessive alias count/i.test(err.message)) {
        throw fail(
          file.path,
          `document ${index} expands aliases beyond the limit of ${lim.maxAliasCount} (alias bomb?)`,
          'alias-limit',
          { line, col: 1 },
          err,
        );
      }
      throw fail(
        file.path,
        `document ${index}: ${err instanceof Error ? err.message : String(err)}`,
        'malformed',
        { line, col: 1 },
        err,
      );
    }
    if (value === null || value === undefined) continue;
    const context = { file: file.path, index, line };
    if (isList(value)) {
      value.items.forEach((item: unknown, i: number) => {
        const o = asObject(item, { ...context, item: i });
        out.push({ object: o, ref: refOf(o), file: file.path, index, line, item: i });
      });
      continue;
    }
    const obj = asObject(value, context);
    out.push({ object: obj, ref: refOf(obj), file: file.path, index, line });
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** A core `v1` List (what `kubectl get -o yaml` writes): its items are the objects. */
function isList(value: unknown): value is { items: unknown[] } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.apiVersion === 'v1' && v.kind === 'List' && Array.isArray(v.items);
}

/**
 * Walks the parser's token tree without recursion and returns the offset of
 * the first collection nested deeper than `max`, if any.
 */
function tooDeep(doc: CST.Document, max: number): number | undefined {
  const stack: [CST.Token, number][] = [];
  if (doc.value) stack.push([doc.value, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > max) return token.offset;
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

const ENCRYPTED = /^ENC\[/;

function asObject(value: unknown, at: { file: string; index: number; line: number; item?: number }): KubeObject {
  const what = at.item === undefined ? `document ${at.index}` : `document ${at.index} item ${at.item}`;
  const pos = { line: at.line, col: 1 };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(
      at.file,
      `${what} is not a Kubernetes object (a mapping), it is ${Array.isArray(value) ? 'a list' : typeof value}`,
      'not-an-object',
      pos,
    );
  }
  const v = value as Record<string, unknown>;
  const metadata = v.metadata as Record<string, unknown> | undefined;
  for (const [field, got] of [
    ['apiVersion', v.apiVersion],
    ['kind', v.kind],
  ] as const) {
    if (typeof got !== 'string' || got === '') throw fail(at.file, `${what} has no ${field}`, 'missing-field', pos);
    if (ENCRYPTED.test(got) && 'sops' in v) {
      throw fail(
        at.file,
        `${what} is SOPS-encrypted including ${field}; encrypt only data and stringData (encrypted_regex: ^(data|stringData)$)`,
        'encrypted-identity',
        pos,
      );
    }
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw fail(at.file, `${what} (${String(v.kind)}) has no metadata`, 'missing-field', pos);
  }
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    const hint =
      typeof metadata.generateName === 'string'
        ? ' (generateName is not supported: Drover needs a stable identity)'
        : '';
    throw fail(at.file, `${what} (${String(v.kind)}) has no metadata.name${hint}`, 'missing-field', pos);
  }
  if (metadata.namespace !== undefined && metadata.namespace !== null && typeof metadata.namespace !== 'string') {
    throw fail(
      at.file,
      `${what} (${String(v.kind)}/${metadata.name}) has a metadata.namespace that is not a string`,
      'invalid-field',
      pos,
    );
  }
  if (metadata.namespace === null || metadata.namespace === '') delete metadata.namespace;
  return v as KubeObject;
}
