import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UsageError } from '../errors/errors.ts';
import { agentConfig, inClusterKubeconfig } from './agent.ts';

describe('inClusterKubeconfig', () => {
  it("is the Pod's ServiceAccount: the API server from the environment, the projected token and CA", () => {
    const k = parse(
      inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }),
    ) as Record<string, unknown>;
    expect(k).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: {
            server: 'https://10.96.0.1:443',
            'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
          },
        },
      ],
      users: [{ name: 'drover-agent', user: { 'token-file': '/var/run/secrets/kubernetes.io/serviceaccount/token' } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'drover-agent' } }],
      'current-context': 'in-cluster',
    });
  });

  it('brackets an IPv6 API server address', () => {
    expect(
      (
        parse(inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' })) as {
          clusters: { cluster: { server: string } }[];
        }
      ).clusters[0]!.cluster.server,
    ).toBe('https://[fd00::1]:6443');
  });

  it('outside a Pod, asks for a kubeconfig', () => {
    expect(() => inClusterKubeconfig({})).toThrow(UsageError);
    expect(() => inClusterKubeconfig({})).toThrow(/no --kubeconfig, and not inside a Pod/);
  });
});

describe('agentConfig', () => {
  const base = {
    registry: 'oci://registry-1.docker.io/acme',
    environment: 'edge',
    cluster: 'c3',
    kubeconfig: '/k/c3.kubeconfig',
    stateDir: '/var/lib/drover-agent',
    stop: new AbortController().signal,
    write: () => {},
  };

  it('keeps its journal in its state directory and trusts only the registry host for tokens by default', () => {
    const c = agentConfig(base);
    expect(c.state).toBe('/var/lib/drover-agent/agent.db');
    expect(c.registryAuth).toBeUndefined();
  });

  it('passes the token realms it is given on to the registry client', () => {
    expect(agentConfig({ ...base, tokenRealms: ['auth.docker.io'] }).registryAuth).toEqual({
      tokenRealms: ['auth.docker.io'],
    });
  });
});
