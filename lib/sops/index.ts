/**
 * SOPS for Drover: Secrets stay encrypted as they are in Git (SOPS with age
 * keys) everywhere Drover keeps them, and are decrypted only in memory, just
 * before they are applied. This is the module's public surface.
 *
 * @example
 *   const identities = parseAgeIdentities({ text: keyFileText, source: '/etc/drover/age.key' });
 *   if (isSopsEncrypted(object)) object = await decryptSopsObject({ object, identities, signal });
 */
export { decryptSopsObject, type DecryptSopsObjectArgs } from './decrypt.ts';
export { isSopsEncrypted, sopsRecipients, type SopsKeyType, type SopsRecipient } from './detect.ts';
export { parseAgeIdentities, type ParseAgeIdentitiesArgs } from './keys.ts';
