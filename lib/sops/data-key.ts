/**
 * Recovers a SOPS document's 32-byte data key from its age master keys: each
 * `sops.age[].enc` is an armored age file whose payload is the data key (sops
 * `age.MasterKey.Decrypt`). Every identity is tried against every stanza;
 * the first that opens one wins.
 *
 * When none does, the UnauthorizedError names the document and the
 * recipients it is encrypted for (public keys), and in `data` the recipients
 * of the identities that were tried, so "encrypted for the wrong key" can be
 * told apart from "missing key" — never an identity.
 *
 * @example
 *   const key = await unwrapDataKey({ groups: meta.keyGroups, identities, ref: 'Secret/web/db' });
 *   key.length // => 32
 */
import { Decrypter, armor, identityToRecipient } from 'age-encryption';
import { InvalidInputError, UnauthorizedError } from '../errors/errors.ts';
import type { KeyGroup } from './metadata.ts';

export interface UnwrapDataKeyArgs {
  groups: KeyGroup[];
  identities: readonly string[];
  /** The document, named for messages. */
  ref: string;
  signal?: AbortSignal | undefined;
}

/** Age recipients of the identities, for messages; an identity that does not decode is reported by position only. */
async function decrypterFor(
  identities: readonly string[],
  ref: string,
): Promise<{ decrypter: Decrypter; recipients: string[] }> {
  const decrypter = new Decrypter();
  const recipients: string[] = [];
  for (const [i, identity] of identities.entries()) {
    try {
      decrypter.addIdentity(identity);
      recipients.push(await identityToRecipient(identity));
    } catch {
      // The library's message may quote the key (bech32 errors do): never pass it on, nor as cause.
      throw new InvalidInputError(`age identity #${i + 1} given to decrypt ${ref} is not a valid age identity`, {
        data: { ref, identity: i + 1 },
      });
    }
  }
  return { decrypter, recipients };
}

export async function unwrapDataKey({ groups, identities, ref, signal }: UnwrapDataKeyArgs): Promise<Uint8Array> {
  signal?.throwIfAborted();
  if (groups.length > 1) {
    throw new InvalidInputError(
      `${ref} splits its data key over ${groups.length} SOPS key groups (Shamir); Drover decrypts single-group files only`,
      { data: { ref, keyGroups: groups.length } },
    );
  }
  const stanzas = groups.flatMap((g) => g.age);
  const recipients = stanzas.map((s) => s.recipient);
  if (stanzas.length === 0) {
    const others = groups.flatMap((g) => g.other.map((o) => `${o.type}:${o.id}`));
    throw new UnauthorizedError(
      `${ref} is SOPS-encrypted without an age recipient (${others.join(', ')}); Drover decrypts age only`,
      { data: { ref, recipients: others } },
    );
  }
  if (identities.length === 0) {
    throw new UnauthorizedError(
      `no age identity was given to decrypt ${ref} (encrypted for ${recipients.join(', ')})`,
      { data: { ref, recipients, identityRecipients: [] } },
    );
  }
  const { decrypter, recipients: identityRecipients } = await decrypterFor(identities, ref);
  let malformed = 0;
  for (const stanza of stanzas) {
    signal?.throwIfAborted();
    let file: Uint8Array;
    try {
      file = armor.decode(stanza.enc);
    } catch {
      malformed++;
      continue;
    }
    let key: Uint8Array;
    try {
      key = await decrypter.decrypt(file);
    } catch (err) {
      if (!(err instanceof Error && /no identity matched/.test(err.message))) malformed++;
      continue;
    }
    if (key.length !== 32) {
      throw new InvalidInputError(`${ref}: the SOPS data key for ${stanza.recipient} is ${key.length} bytes, not 32`, {
        data: { ref, recipient: stanza.recipient },
      });
    }
    return key;
  }
  if (malformed === stanzas.length) {
    throw new InvalidInputError(`${ref}: no SOPS age stanza is a well-formed age file (${recipients.join(', ')})`, {
      data: { ref, recipients },
    });
  }
  throw new UnauthorizedError(
    `no age identity matches a recipient of ${ref} (encrypted for ${recipients.join(', ')})`,
    {
      data: { ref, recipients, identityRecipients },
    },
  );
}
