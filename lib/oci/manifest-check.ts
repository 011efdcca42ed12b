/**
 * Checks shared by every manifest read and write: the media type is one we
 * accept, the bytes are JSON, and a `mediaType` field inside the document (when
 * present) agrees with the type the manifest is stored under, so a manifest
 * cannot be served as one kind and parsed as another.
 */
import { IntegrityError, InvalidInputError } from '../errors/errors.ts';
import { bareMediaType } from './media-types.ts';

export interface ManifestCheck {
  bytes: Uint8Array;
  mediaType: string;
  accept: readonly string[];
  /** For messages: `manifest 1.0.0 in host/repo`. */
  what: string;
  /** Pulled content is an IntegrityError; content a caller pushes is InvalidInputError. */
  pulled: boolean;
}

export function checkManifest({ bytes, mediaType, accept, what, pulled }: ManifestCheck): void {
  const Err = pulled ? IntegrityError : InvalidInputError;
  const type = bareMediaType(mediaType);
  if (!accept.includes(type)) {
    throw new Err(`${what}: media type "${type.slice(0, 100)}" is not one of ${accept.join(', ')}`, {
      data: { mediaType: type.slice(0, 100) },
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new Err(`${what}: not a JSON document`, { data: { mediaType: type } });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Err(`${what}: not a JSON object`, { data: { mediaType: type } });
  const inner = (doc as { mediaType?: unknown }).mediaType;
  if (inner !== undefined && inner !== type) {
    throw new Err(`${what}: stored as ${type} but declares mediaType ${String(inner).slice(0, 100)}`, {
      data: { mediaType: type },
    });
  }
}
