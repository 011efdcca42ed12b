/**
 * What every registry operation works on: a client for the host, one
 * repository, and how to name it in messages (`host/repository`).
 */
import type { RegistryClient } from './registry-client.ts';

export interface RegistryTarget {
  client: RegistryClient;
  repository: string;
  /** `host/repository`, for messages. */
  location: string;
}

export function repoPath(t: RegistryTarget, rest: string): string {
  return `/v2/${t.repository}/${rest}`;
}
