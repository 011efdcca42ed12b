/**
 * Secrets are never stored in plaintext: a Secret member must be encrypted
 * with SOPS for age recipients (Drover decrypts it only when applying), unless
 * its bundle sets `allowPlaintextSecrets`. Errors name the object and its file
 * and never carry a value (nor the keys of `data`).
 *
 * SOPS-encrypted means: a top-level `sops` map with at least one `age`
 * recipient, and every `data` / `stringData` value of the form
 * `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]` (with
 * `encrypted_regex: ^(data|stringData)$`, as Flux recommends).
 *
 * @example
 *   classifySecret(secret) // => { kind: 'sops' }
 */
import { InvalidInputError } from '../errors/errors.ts';
import { formatRef, refOf, type KubeObject } from '../object/ref.ts';

export type SecretKind =
  /** Encrypted with SOPS for age: fine. */
  | 'sops'
  /** No data at all (e.g. a service-account token Secret filled in by the cluster): fine. */
  | 'empty'
  /** Has `sops` metadata but no age recipient: Drover cannot decrypt it. */
  | 'sops-without-age'
  /** Plaintext, or only partly encrypted. */
  | 'plaintext';

export interface SecretClass {
  kind: SecretKind;
  /** Why, without values. */
  reason: string;
}

const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$/;

/** True for a SOPS-encrypted scalar value. */
export function isSopsEncryptedValue(value: unknown): boolean {
  return typeof value === 'string' && ENCRYPTED_VALUE.test(value);
}

export function isSecret(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Secret' && obj.apiVersion === 'v1';
}

function values(obj: KubeObject): unknown[] {
  const out: unknown[] = [];
  for (const field of ['data', 'stringData']) {
    const map = obj[field];
    if (typeof map === 'object' && map !== null && !Array.isArray(map)) out.push(...Object.values(map));
  }
  return out;
}

/** How a Secret is protected. */
export function classifySecret(obj: KubeObject): SecretClass {
  const vals = values(obj);
  const sops = obj.sops as { age?: unknown } | undefined;
  if (vals.length === 0) return { kind: 'empty', reason: 'no data' };
  if (typeof sops !== 'object' || sops === null) return { kind: 'plaintext', reason: 'not SOPS-encrypted' };
  const age = Array.isArray(sops.age)
    ? sops.age.filter((r: unknown) => typeof (r as { recipient?: unknown })?.recipient === 'string')
    : [];
  if (age.length === 0)
    return { kind: 'sops-without-age', reason: 'SOPS-encrypted without an age recipient; Drover decrypts age only' };
  const plain = vals.filter((v) => !isSopsEncryptedValue(v)).length;
  if (plain > 0)
    return {
      kind: 'plaintext',
      reason: `${plain} of ${vals.length} values are not encrypted (check the SOPS encrypted_regex)`,
    };
  return { kind: 'sops', reason: `SOPS-encrypted for ${age.length} age recipient(s)` };
}

export interface SecretCheck {
  ref: string;
  file: string;
  kind: SecretKind;
  reason: string;
}

/**
 * Classifies every Secret member of a bundle and refuses the bundle (one
 * InvalidInputError listing every offending Secret in `data.secrets`) when
 * one is plaintext and the bundle does not allow it, or is encrypted for
 * keys Drover cannot use. Returns the classification of each Secret.
 */
export function checkSecrets({
  bundle,
  members,
}: {
  bundle: { name: string; spec: { allowPlaintextSecrets: boolean } };
  members: readonly { object: KubeObject; file: string }[];
}): SecretCheck[] {
  const checks: SecretCheck[] = members
    .filter((m) => isSecret(m.object))
    .map((m) => ({ ref: formatRef(refOf(m.object)), file: m.file, ...classifySecret(m.object) }));
  const refused = checks.filter(
    (c) => c.kind === 'sops-without-age' || (c.kind === 'plaintext' && !bundle.spec.allowPlaintextSecrets),
  );
  if (refused.length > 0) {
    const list = refused.map((c) => `${c.ref} (${c.file}): ${c.reason}`).join('; ');
    const hint = refused.some((c) => c.kind === 'plaintext')
      ? '; encrypt it with sops --age, or set spec.allowPlaintextSecrets'
      : '';
    throw new InvalidInputError(`bundle "${bundle.name}" refuses Secrets: ${list}${hint}`, {
      data: {
        bundle: bundle.name,
        secrets: refused.map(({ ref, file, kind, reason }) => ({ ref, file, kind, reason })),
      },
    });
  }
  return checks;
}
