/**
 * Key files as the settings and flags that name them: read one (an error
 * names the setting and the path, never the content), and the forms of a
 * PEM a log line could carry (whole, trimmed, each line of its base64 body),
 * for a logger's redaction list. One place for the hub's signing key, its
 * trusted keys, a cluster's agent key and the agent's own flags.
 *
 * @example
 *   const pem = await readKeyFile({ path: '/keys/drover.key', setting: 'signing.keyFile' });
 *   createLogger({ secrets: pemSecretForms(pem) });
 */
import { readFile } from 'node:fs/promises';
import { InvalidInputError, NotFoundError } from '../errors/errors.ts';

/** Reads a key file; a missing one is NotFoundError, any other failure InvalidInputError, both naming `setting` and the path. */
export async function readKeyFile({
  path,
  setting,
  signal,
}: {
  path: string;
  setting: string;
  signal?: AbortSignal | undefined;
}): Promise<string> {
  try {
    return await readFile(path, { encoding: 'utf8', signal });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const Err = code === 'ENOENT' ? NotFoundError : InvalidInputError;
    throw new Err(`${setting}: cannot read ${path} (${code ?? 'error'})`, { data: { setting, path } });
  }
}

/** Every form of a PEM a log line could carry: whole, trimmed, and each base64 line of its body. */
export function pemSecretForms(pem: string): string[] {
  const body = pem.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'));
  return [pem, pem.trim(), ...body];
}
