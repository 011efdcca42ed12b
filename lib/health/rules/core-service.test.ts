import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../object/ref.ts';
import type { HealthResult } from '../status.ts';
import { serviceHealth } from './core-service.ts';

const head = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
`;

const cases: [string, string, HealthResult][] = [
  [
    'ClusterIP',
    `${head}
spec: {type: ClusterIP, clusterIP: 10.96.12.7, clusterIPs: [10.96.12.7], ports: [{port: 80, protocol: TCP, targetPort: 8080}], selector: {app: api}}
status: {loadBalancer: {}}
`,
    { status: 'Current', message: 'Service is ready (ClusterIP)' },
  ],

  [
    'type omitted',
    `${head}
spec: {ports: [{port: 80}]}
`,
    { status: 'Current', message: 'Service is ready (ClusterIP)' },
  ],

  [
    'ExternalName',
    `${head}
spec: {type: ExternalName, externalName: db.example.com}
`,
    { status: 'Current', message: 'Service is ready (ExternalName)' },
  ],

  [
    'LoadBalancer without an address yet',
    `${head}
spec: {type: LoadBalancer, clusterIP: 10.96.12.7, ports: [{nodePort: 31380, port: 80, protocol: TCP, targetPort: 8080}]}
status: {loadBalancer: {}}
`,
    { status: 'InProgress', message: 'Waiting for the load balancer to get an address', reason: 'LoadBalancerPending' },
  ],

  [
    'LoadBalancer with an IP',
    `${head}
spec: {type: LoadBalancer, clusterIP: 10.96.12.7}
status: {loadBalancer: {ingress: [{ip: 203.0.113.10, ipMode: VIP}]}}
`,
    { status: 'Current', message: 'Load balancer is ready at 203.0.113.10' },
  ],

  [
    'LoadBalancer with a hostname',
    `${head}
spec: {type: LoadBalancer}
status: {loadBalancer: {ingress: [{hostname: a1b2.elb.eu-west-1.amazonaws.com}]}}
`,
    { status: 'Current', message: 'Load balancer is ready at a1b2.elb.eu-west-1.amazonaws.com' },
  ],
];

describe('serviceHealth', () => {
  it.each(cases)('%s', (_name, doc, expected) => {
    expect(serviceHealth(parse(doc) as KubeObject)).toEqual(expected);
  });
});
