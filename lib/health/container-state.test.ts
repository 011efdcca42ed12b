import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../object/ref.ts';
import { containerProblems, type ContainerProblem } from './container-state.ts';

const head = `
apiVersion: v1
kind: Pod
metadata: {name: api-6b8f9d7c4d-x2k9p, namespace: web}
`;

const cases: [string, string, ContainerProblem[]][] = [
  [
    'running and ready',
    `${head}
status:
  phase: Running
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: true, restartCount: 0, started: true, state: {running: {startedAt: "2025-01-10T10:00:01Z"}}}
`,
    [],
  ],

  [
    'still creating',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: false, restartCount: 0, started: false, state: {waiting: {reason: ContainerCreating}}}
`,
    [],
  ],

  [
    'ErrImagePull',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - name: app
    image: "ghcr.io/acme/api:9.9.9"
    ready: false
    restartCount: 0
    state: {waiting: {reason: ErrImagePull, message: 'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/api:9.9.9": failed to resolve reference "ghcr.io/acme/api:9.9.9": ghcr.io/acme/api:9.9.9: not found'}}
`,
    [
      {
        container: 'app',
        reason: 'ErrImagePull',
        message:
          'container "app" cannot pull image "ghcr.io/acme/api:9.9.9": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/api:9.9.9": failed to resolve reference "ghcr.io/acme/api:9.9.9": ghcr.io/acme/api:9.9.9: not found',
      },
    ],
  ],

  [
    'ImagePullBackOff',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:9.9.9", ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image "ghcr.io/acme/api:9.9.9"'}}}
`,
    [
      {
        container: 'app',
        reason: 'ImagePullBackOff',
        message:
          'container "app" cannot pull image "ghcr.io/acme/api:9.9.9": Back-off pulling image "ghcr.io/acme/api:9.9.9"',
      },
    ],
  ],

  [
    'InvalidImageName',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - name: app
    image: "ghcr.io/Acme/API:1"
    ready: false
    restartCount: 0
    state: {waiting: {reason: InvalidImageName, message: 'Failed to apply default image tag "ghcr.io/Acme/API:1": couldn''t parse image name "ghcr.io/Acme/API:1": invalid reference format: repository name (Acme/API) must be lowercase'}}
`,
    [
      {
        container: 'app',
        reason: 'InvalidImageName',
        message:
          'container "app" cannot pull image "ghcr.io/Acme/API:1": Failed to apply default image tag "ghcr.io/Acme/API:1": couldn\'t parse image name "ghcr.io/Acme/API:1": invalid reference format: repository name (Acme/API) must be lowercase',
      },
    ],
  ],

  [
    'ErrImageNeverPull',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "api:dev", ready: false, restartCount: 0, state: {waiting: {reason: ErrImageNeverPull, message: 'Container image "api:dev" is not present with pull policy of Never'}}}
`,
    [
      {
        container: 'app',
        reason: 'ErrImageNeverPull',
        message:
          'container "app" cannot pull image "api:dev": Container image "api:dev" is not present with pull policy of Never',
      },
    ],
  ],

  [
    'CreateContainerConfigError: missing ConfigMap key',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: false, restartCount: 0, state: {waiting: {reason: CreateContainerConfigError, message: couldn't find key DATABASE_URL in ConfigMap web/app-config}}}
`,
    [
      {
        container: 'app',
        reason: 'CreateContainerConfigError',
        message: 'container "app" cannot be created: couldn\'t find key DATABASE_URL in ConfigMap web/app-config',
      },
    ],
  ],

  [
    'CreateContainerConfigError: missing Secret',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: false, restartCount: 0, state: {waiting: {reason: CreateContainerConfigError, message: secret "db-credentials" not found}}}
`,
    [
      {
        container: 'app',
        reason: 'CreateContainerConfigError',
        message: 'container "app" cannot be created: secret "db-credentials" not found',
      },
    ],
  ],

  [
    'CrashLoopBackOff (KWOK shape)',
    `${head}
status:
  phase: Running
  containerStatuses:
  - name: app
    image: "ghcr.io/acme/api:1.4.0"
    ready: false
    started: false
    restartCount: 3
    lastState: {terminated: {exitCode: 1, reason: Error, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:01Z"}}
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container}}
`,
    [
      {
        container: 'app',
        reason: 'CrashLoopBackOff',
        message: 'container "app" is crash-looping (restarted 3 times; last exit code 1, Error)',
      },
    ],
  ],

  [
    'OOMKilled, backing off',
    `${head}
status:
  phase: Running
  containerStatuses:
  - name: app
    image: "ghcr.io/acme/api:1.4.0"
    ready: false
    restartCount: 1
    lastState: {terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:09Z"}}
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 10s restarting failed container=app pod=api-6b8f9d7c4d-x2k9p_web(1f0c)}}
`,
    [
      {
        container: 'app',
        reason: 'OOMKilled',
        message: 'container "app" was killed for running out of memory (OOMKilled, restarted once)',
      },
    ],
  ],

  [
    'OOMKilled, dead now (restartPolicy Never)',
    `${head}
status:
  phase: Failed
  containerStatuses:
  - {name: app, image: busybox, ready: false, restartCount: 0, state: {terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:09Z"}}}
`,
    [
      {
        container: 'app',
        reason: 'OOMKilled',
        message: 'container "app" was killed for running out of memory (OOMKilled, not restarted)',
      },
    ],
  ],

  [
    'OOMKilled once, running again: not a problem yet',
    `${head}
status:
  phase: Running
  containerStatuses:
  - name: app
    image: "ghcr.io/acme/api:1.4.0"
    ready: true
    restartCount: 1
    lastState: {terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:09Z"}}
    state: {running: {startedAt: "2025-01-10T10:00:10Z"}}
`,
    [],
  ],

  [
    'init container crash-looping; app container waiting behind it',
    `${head}
status:
  phase: Pending
  initContainerStatuses:
  - name: migrate
    image: "ghcr.io/acme/migrate:1.4.0"
    ready: false
    restartCount: 4
    lastState: {terminated: {exitCode: 2, reason: Error, startedAt: "2025-01-10T10:00:01Z", finishedAt: "2025-01-10T10:00:02Z"}}
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 1m20s restarting failed container}}
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:1.4.0", ready: false, restartCount: 0, state: {waiting: {reason: PodInitializing}}}
`,
    [
      {
        container: 'migrate',
        reason: 'CrashLoopBackOff',
        message: 'init container "migrate" is crash-looping (restarted 4 times; last exit code 2, Error)',
      },
    ],
  ],

  [
    'one problem per container, every container reported',
    `${head}
status:
  phase: Pending
  containerStatuses:
  - {name: app, image: "ghcr.io/acme/api:9.9.9", ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff}}}
  - {name: sidecar, image: "envoy:1", ready: false, restartCount: 0, state: {waiting: {reason: CreateContainerConfigError, message: configmap "envoy" not found}}}
`,
    [
      {
        container: 'app',
        reason: 'ImagePullBackOff',
        message: 'container "app" cannot pull image "ghcr.io/acme/api:9.9.9"',
      },
      {
        container: 'sidecar',
        reason: 'CreateContainerConfigError',
        message: 'container "sidecar" cannot be created: configmap "envoy" not found',
      },
    ],
  ],
];

describe('containerProblems', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(containerProblems(parse(doc) as KubeObject)).toEqual(expected);
  });
});
