/**
 * drover.yaml: load, validate against schemas/drover.schema.json, and resolve
 * defaults and relative paths (against the file's directory). This module is
 * the only reader of the process environment: everything else is handed the
 * values it needs.
 *
 * @example
 *   const config = await loadConfig({ path: 'drover.yaml' });
 *   config.registry // 'oci-layout:///abs/path/.drover/registry'
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import schema from '../../schemas/drover.schema.json' with { type: 'json' };
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';
import { assembleConfig } from './assemble.ts';

// Light enough for `drover agent` (no schema, no Ajv): import these from ./assemble.ts there.

export type * from './types.ts';
import type { DroverConfig } from './types.ts';

const ajv = new Ajv2020({ allErrors: true, useDefaults: false, strict: false });
const validate = ajv.compile(schema);

/** Validates and resolves a parsed drover.yaml. Pure apart from reading `env` for defaults. */
export function resolveConfig({
  doc,
  file,
  env = {},
}: {
  doc: unknown;
  file: string;
  env?: NodeJS.ProcessEnv;
}): DroverConfig {
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
    );
    throw new InvalidInputError(`${file}: invalid configuration: ${problems.join('; ')}`, { data: { file, problems } });
  }
  return assembleConfig({ doc, file, env });
}

/** Reads and resolves the config file. `env` defaults to the process environment. */
export async function loadConfig({
  path = 'drover.yaml',
  env = process.env,
}: { path?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DroverConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(`${file}: no configuration file (run drover init)`, { data: { file } });
    throw err;
  }
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0]!;
    throw new InvalidInputError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`, {
      data: { file, line: e.linePos?.[0]?.line },
    });
  }
  return resolveConfig({ doc: parsed.toJS({ maxAliasCount: 100 }), file, env });
}
