import { describe, expect, it } from 'vitest';
import * as oci from './index.ts';

describe('lib/oci public surface', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(oci).sort()).toEqual(
      [
        'DEFAULT_MAX_BLOB_BYTES',
        'DEFAULT_MAX_MANIFEST_BYTES',
        'LayoutStore',
        'MANIFEST_MEDIA_TYPES',
        'MediaType',
        'RegistryClient',
        'RegistryStore',
        'VersionTagMovedError',
        'assertDigest',
        'attachReferrer',
        'listReferrers',
        'processSignatureCache',
        'referrersTag',
        'signVersion',
        'verifyVersionSignature',
        'assertRepository',
        'assertTag',
        'channelTag',
        'connectStores',
        'credentialsFromDockerConfig',
        'digestHex',
        'dockerConfigPath',
        'isDigest',
        'isRepository',
        'isTag',
        'joinRepository',
        'layoutDir',
        'normalizeRegistryHost',
        'openBundleStore',
        'openStore',
        'parseStoreReference',
        'parseWwwAuthenticate',
        'readAgentIndex',
        'readDockerCredentials',
        'readStatus',
        'sha256Digest',
        'writeAgentIndex',
        'writeStatus',
      ].sort(),
    );
  });
});
