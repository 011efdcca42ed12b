/**
 * The refusal when a version's `<version>` tag no longer names the digest
 * Drover recorded when it cut that version. Version tags are immutable by
 * design (Drover never moves one), but a registry lets anyone re-point a tag
 * (`oras tag`, a registry UI, CI); content found that way is not the version
 * that was cut, reviewed and signed under that name, so no verb uses it.
 * A conflict with recorded state (exit code 5, HTTP 409), told apart from
 * other conflicts by its class and `data.reason`.
 *
 * @example
 *   throw new VersionTagMovedError({ bundle: 'web', version: '1.0.1', location: 'registry.example/drover/web', recorded, found });
 */
import { ConflictError } from '../errors/errors.ts';

export interface VersionTagMovedData {
  [key: string]: unknown;
  reason: 'VersionTagMoved';
  bundle: string;
  version: string;
  /** Where the tag is: `host/prefix/bundle` or `oci-layout:///dir/bundle`. */
  location: string;
  /** The digest Drover recorded when it cut the version. */
  recorded: string;
  /** The digest the tag names now. */
  found: string;
}

export class VersionTagMovedError extends ConflictError {
  declare readonly data: VersionTagMovedData;

  constructor({ bundle, version, location, recorded, found }: Omit<VersionTagMovedData, 'reason'>) {
    super(
      `${bundle}@${version}: the tag ${version} in ${location} names ${found}, but Drover cut ${version} as ${recorded}; ` +
        `version tags are immutable, so it is refused (put the tag back on ${recorded}, or cut a new version)`,
      { data: { reason: 'VersionTagMoved', bundle, version, location, recorded, found } },
    );
  }
}
