/**
 * `drover serve`: the daemon. Thin: parse flags, turn SIGTERM / SIGINT into
 * the library's stop signal (a second signal cuts the grace period short),
 * run until stopped, exit 0. Logs are JSON lines on stderr.
 */
import { LOG_LEVELS, type LogLevel, UsageError } from '../lib/index.ts';
import { str, type Verb } from './verb.ts';

export const serveVerbs: Verb[] = [
  {
    name: 'serve',
    usage: 'serve [--listen HOST:PORT] [--log-level L] [--concurrency N]',
    summary: 'the daemon: sources -> cut -> deploy and promote by policy; webhooks, HTTP API, /metrics',
    options: { listen: { type: 'string' }, 'log-level': { type: 'string' }, concurrency: { type: 'string' } },
    run: async ({ values, positionals, configPath, signal }) => {
      if (positionals.length > 0) throw new UsageError(`serve takes no arguments (got ${positionals.join(' ')})`);
      const logLevel = str(values['log-level']) ?? 'info';
      if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new UsageError('--concurrency must be a positive integer');
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
        return { data: summary, human: `drover serve stopped (${summary.shutdown.drained ? 'all work finished' : `aborted ${summary.shutdown.aborted.join(', ')}; ${summary.shutdown.recovered.length} release(s) restored`})` };
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },
  },
];
