// A bundle for the crash-recovery test, shared by the test and the child
// process it kills: version N has `count` ConfigMaps whose data says N, plus
// one ConfigMap only that version has.
import type { KubeObject } from '../../object/ref.ts';
import type { VersionContent } from '../../bundle/version-content.ts';

export function crashVersion({ bundle, namespace, version, count }: { bundle: string; namespace: string; version: string; count: number }): VersionContent {
  const members: KubeObject[] = [];
  for (let i = 0; i < count; i++) members.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${bundle}-cm-${i}`, namespace }, data: { version } });
  members.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${bundle}-only-${version.replaceAll('.', '-')}`, namespace }, data: { version } });
  return { bundle, version, digest: `sha256:${version.replaceAll('.', '').padStart(64, 'c')}`, members };
}
