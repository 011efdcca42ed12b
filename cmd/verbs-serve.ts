/**
 * `drover serve` (the daemon) and `drover agent` (pull mode in one cluster).
 * Thin: parse flags, turn SIGTERM / SIGINT into the library's stop signal (for
 * serve a second signal cuts the grace period short), run until stopped,
 * exit 0. Logs are JSON lines on stderr.
 */
import { LOG_LEVELS, type LogLevel, runAgent, UsageError } from '../lib/index.ts';
import { resolve } from 'node:path';
import { str, type Verb } from './verb.ts';

export const serveVerbs: Verb[] = [
  {
    name: 'agent',
    usage:
      'agent --env E --cluster C --registry oci://HOST/PREFIX [--kubeconfig F [--context X]] [--state DIR] [--token-realm R]... [--poll-seconds N] [--index-seconds N] [--timeout-seconds N] [--trusted-key F]... [--key-file F | --key-env VAR] [--log-level L]',
    summary:
      "pull mode inside one cluster: follow the environment's (or wave's) tag through the registry, release it, report status back",
    options: {
      env: { type: 'string' },
      cluster: { type: 'string' },
      registry: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      state: { type: 'string' },
      // Repeatable: a token realm besides the registry's own host that may be sent its credentials (registryAuth.tokenRealms).
      'token-realm': { type: 'string', multiple: true },
      'poll-seconds': { type: 'string' },
      'index-seconds': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      // Repeatable: a hub public key; the index and every version must be signed by one (docs/agent-protocol.md).
      'trusted-key': { type: 'string', multiple: true },
      // The agent's own private key, signing its statuses: a file, or an environment variable holding the PEM.
      'key-file': { type: 'string' },
      'key-env': { type: 'string' },
      'log-level': { type: 'string' },
    },
    run: async ({ values, positionals, signal }) => {
      if (positionals.length > 0) throw new UsageError(`agent takes no arguments (got ${positionals.join(' ')})`);
      const environment = str(values.env);
      const cluster = str(values.cluster);
      const registry = str(values.registry) ?? process.env.DROVER_REGISTRY;
      if (!environment || !cluster || !registry)
        throw new UsageError('agent needs --env, --cluster and --registry (or DROVER_REGISTRY)');
      const logLevel = str(values['log-level']) ?? 'info';
      if (!LOG_LEVELS.includes(logLevel as LogLevel))
        throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      const poll = values['poll-seconds'] === undefined ? 30 : Number(values['poll-seconds']);
      if (!(poll > 0)) throw new UsageError('--poll-seconds must be a positive number');
      const indexSeconds = values['index-seconds'] === undefined ? undefined : Number(values['index-seconds']);
      if (indexSeconds !== undefined && !(indexSeconds > 0))
        throw new UsageError('--index-seconds must be a positive number');
      const timeout = values['timeout-seconds'] === undefined ? undefined : Number(values['timeout-seconds']);
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1))
        throw new UsageError('--timeout-seconds must be a positive integer');
      // Without one, inside a Pod: its ServiceAccount.
      const kubeconfig = str(values.kubeconfig) ?? process.env.KUBECONFIG;
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      if (signal.aborted) stop.abort();
      else signal.addEventListener('abort', () => stop.abort(), { once: true });
      await runAgent({
        registry,
        environment,
        cluster,
        ...(kubeconfig ? { kubeconfig } : {}),
        ...(str(values.context) ? { context: str(values.context) } : {}),
        stateDir: str(values.state) ?? '.drover/agent',
        tokenRealms: tokenRealmsOf(values['token-realm']),
        pollSeconds: poll,
        ...(indexSeconds ? { indexSeconds } : {}),
        ...(timeout ? { timeoutSeconds: timeout } : {}),
        trustedKeyFiles: (Array.isArray(values['trusted-key']) ? values['trusted-key'] : []).map((f) =>
          resolve(String(f)),
        ),
        ...(str(values['key-file']) ? { keyFile: str(values['key-file']) } : {}),
        ...(str(values['key-env']) ? { keyEnv: str(values['key-env']) } : {}),
        env: process.env,
        stop: stop.signal,
        write: (line) => process.stderr.write(line),
        logLevel: logLevel as LogLevel,
      });
      return { data: { stopped: true }, human: '' };
    },
  },
  {
    name: 'serve',
    usage: 'serve [--listen HOST:PORT] [--log-level L] [--concurrency N]',
    summary: 'the daemon: sources -> cut -> deploy and promote by policy; webhooks, HTTP API, /metrics',
    options: { listen: { type: 'string' }, 'log-level': { type: 'string' }, concurrency: { type: 'string' } },
    run: async ({ values, positionals, configPath, signal }) => {
      if (positionals.length > 0) throw new UsageError(`serve takes no arguments (got ${positionals.join(' ')})`);
      const logLevel = str(values['log-level']) ?? 'info';
      if (!LOG_LEVELS.includes(logLevel as LogLevel))
        throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1))
        throw new UsageError('--concurrency must be a positive integer');
      // The first SIGTERM or SIGINT stops gracefully (main.ts also turns the first SIGINT into ctx.signal); a second one hurries.
      // The daemon and its HTTP side load when the verb runs: `drover --help` stays light.
      const { serveDaemon } = await import('../http/serve.ts');
      const stop = new AbortController();
      const hurry = new AbortController();
      let signals = 0;
      const onSignal = () => (++signals === 1 ? stop.abort() : hurry.abort());
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      if (signal.aborted) stop.abort();
      else signal.addEventListener('abort', () => stop.abort(), { once: true });
      try {
        const summary = await serveDaemon({
          configPath,
          ...(str(values.listen) ? { listen: str(values.listen) } : {}),
          env: process.env,
          stop: stop.signal,
          hurry: hurry.signal,
          write: (line) => process.stderr.write(line),
          logLevel: logLevel as LogLevel,
          ...(concurrency ? { concurrency } : {}),
        });
        return {
          data: summary,
          human: `drover serve stopped (${summary.shutdown.drained ? 'all work finished' : `aborted ${summary.shutdown.aborted.join(', ')}; ${summary.shutdown.recovered.length} release(s) restored`})`,
        };
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },
  },
];

/** `--token-realm` values (repeatable, or comma-separated), without empty ones. */
function tokenRealmsOf(v: unknown): string[] {
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}
