/**
 * The CLI's signing verbs: `drover verify B@V` (what verified, or why not:
 * a refusal exits with SignatureRefusedError's code) and `drover keys
 * generate | sign`. A private key is never printed: `keys generate` names
 * the file it wrote and the key id.
 */
import { dirname, join, resolve } from 'node:path';
import * as drover from '../lib/index.ts';
import { parseBundleRef, SignatureRefusedError, UsageError } from '../lib/index.ts';
import { str, type Verb, withWorkspace } from './verb.ts';

const keyFilesOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

export const signVerbs: Verb[] = [
  {
    name: 'verify',
    usage: 'verify B@V [--env E] [--key FILE ...]',
    summary:
      "check a version's signature against the trusted keys (of environment E): the key that signed it, or why not",
    options: { key: { type: 'string', multiple: true }, env: { type: 'string' } },
    run: (ctx) =>
      withWorkspace(ctx, async (ws) => {
        const [ref] = ctx.positionals;
        if (!ref || ctx.positionals.length > 1) throw new UsageError('verify takes one BUNDLE@VERSION');
        const keyFiles = keyFilesOf(ctx.values.key).map((f) => resolve(f));
        const environment = str(ctx.values.env);
        const r = await drover.verify({ ws, ...parseBundleRef(ref), keyFiles, environment, signal: ctx.signal });
        if (r.verified)
          return {
            data: r,
            human: `${r.bundle}@${r.version} verified${r.environment ? ` for ${r.environment}` : ''}: signed by ${r.keyId}\n  subject ${r.location}@${r.digest}`,
          };
        const message = `${r.bundle}@${r.version} not verified${r.environment ? ` for ${r.environment}` : ''} (${r.reason}): ${r.detail}\n  subject ${r.location}@${r.digest}; trusted keys ${r.trustedKeys.join(', ')}`;
        return {
          data: r,
          human: message,
          failure: new SignatureRefusedError(message, { data: { reason: r.reason, digest: r.digest } }),
        };
      }),
  },
  {
    name: 'keys',
    usage: 'keys generate [--agent --cluster C] [--dir D] [--name N] [--force] | keys sign B[@V]',
    summary:
      "a key pair for signing versions, or an agent's statuses (--agent --cluster C); private key 0600, never printed; sign versions cut before signing",
    options: {
      dir: { type: 'string' },
      name: { type: 'string' },
      force: { type: 'boolean' },
      agent: { type: 'boolean' },
      cluster: { type: 'string' },
    },
    run: async (ctx) => {
      const [sub, ref] = ctx.positionals;
      if (sub === 'generate' && ctx.positionals.length === 1) {
        const dir = str(ctx.values.dir) ?? join(dirname(resolve(ctx.configPath)), '.drover', 'keys');
        const name = str(ctx.values.name);
        const cluster = str(ctx.values.cluster);
        if ((ctx.values.agent === true) !== (cluster !== undefined))
          throw new UsageError('an agent key pair needs both --agent and --cluster C');
        const r = await drover.keysGenerate({
          dir,
          ...(name ? { name } : {}),
          ...(cluster ? { agentCluster: cluster, configDir: dirname(resolve(ctx.configPath)) } : {}),
          force: ctx.values.force === true,
          signal: ctx.signal,
        });
        if (r.agent)
          return {
            data: r,
            human: [
              `wrote ${r.privateKeyFile} (private, 0600: the agent's only; keep it out of Git) and ${r.publicKeyFile}`,
              `key id ${r.keyId}`,
              `in drover.yaml, on cluster ${r.agent.cluster}:`,
              ...r.agent.configSnippet
                .trimEnd()
                .split('\n')
                .map((l) => `  ${l}`),
              `give the private key to the agent (deploy/agent/agent-keys-secret.template.yaml), then delete it here:`,
              `  ${r.agent.secretCommand}`,
              `or run it with: drover agent --key-file ${r.privateKeyFile} --trusted-key <the hub's public key> ...`,
            ].join('\n'),
          };
        const human = [
          `wrote ${r.privateKeyFile} (private, 0600: keep it out of Git) and ${r.publicKeyFile}`,
          `key id ${r.keyId}`,
          `sign versions with it: drover.yaml signing: { keyFile: ${r.privateKeyFile} }`,
        ].join('\n');
        return { data: r, human };
      }
      if (sub === 'sign' && ref && ctx.positionals.length === 2)
        return withWorkspace(ctx, async (ws) => {
          const at = ref.includes('@') ? parseBundleRef(ref) : { bundle: ref };
          const r = await drover.keysSign({ ws, ...at, signal: ctx.signal });
          const human = [
            ...r.signed.map((s) => `signed ${r.bundle}@${s.version} (${s.digest}) with ${s.keyId}`),
            ...r.alreadySigned.map((s) => `${r.bundle}@${s.version}: already signed with ${s.keyId}`),
            ...r.failed.map((f) => `error: ${r.bundle}@${f.version}: ${f.error.message}`),
          ].join('\n');
          return {
            data: { ...r, failed: r.failed.map((f) => ({ version: f.version, error: f.error.toJSON() })) },
            human,
            ...(r.failed[0] ? { failure: r.failed[0].error } : {}),
          };
        });
      throw new UsageError(
        'usage: drover keys generate [--agent --cluster C] [--dir D] [--name N] [--force] | drover keys sign BUNDLE[@VERSION]',
      );
    },
  },
];
