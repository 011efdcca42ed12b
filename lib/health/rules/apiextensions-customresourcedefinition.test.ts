import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { crdHealth } from './apiextensions-customresourcedefinition.ts';

const head = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com, generation: 1}
spec: {group: example.com, names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}, scope: Namespaced}
`;

const cases: [string, string, HealthResult][] = [
  [
    'established',
    `${head}
status:
  acceptedNames: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  conditions:
  - {type: NamesAccepted, status: "True", reason: NoConflicts, message: no conflicts found, lastTransitionTime: "2025-01-10T10:00:00Z"}
  - {type: Established, status: "True", reason: InitialNamesAccepted, message: the initial names have been accepted, lastTransitionTime: "2025-01-10T10:00:00Z"}
  storedVersions: [v1]
`,
    { status: 'Current', message: 'CustomResourceDefinition is established' },
  ],

  [
    'installing',
    `${head}
status:
  acceptedNames: {kind: Widget, plural: widgets}
  conditions:
  - {type: NamesAccepted, status: "True", reason: NoConflicts, message: no conflicts found}
  - {type: Established, status: "False", reason: Installing, message: the initial names have been accepted}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the CustomResourceDefinition to be established',
      reason: 'Installing',
    },
  ],

  [
    'no status yet',
    `${head}
status: {acceptedNames: {kind: "", plural: ""}, storedVersions: [v1]}
`,
    {
      status: 'InProgress',
      message: 'Waiting for the CustomResourceDefinition to be established',
      reason: 'Installing',
    },
  ],

  [
    'names refused',
    `${head}
status:
  acceptedNames: {kind: "", plural: ""}
  conditions:
  - {type: NamesAccepted, status: "False", reason: ListKindConflict, message: '"WidgetList" is already in use'}
  - {type: Established, status: "False", reason: NotAccepted, message: not all names are accepted}
`,
    { status: 'Failed', message: 'Names not accepted: "WidgetList" is already in use', reason: 'ListKindConflict' },
  ],

  [
    'not established for another reason',
    `${head}
status:
  conditions:
  - {type: NamesAccepted, status: "True", reason: NoConflicts}
  - {type: Established, status: "False", reason: NotAccepted, message: not all names are accepted}
`,
    { status: 'Failed', message: 'Not established: NotAccepted: not all names are accepted', reason: 'NotAccepted' },
  ],
];

describe('crdHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(crdHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
