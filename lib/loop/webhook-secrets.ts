/**
 * Each webhook provider's secret, and the rule that no two share one: GitLab
 * sends its token in clear in `X-Gitlab-Token`, so a token that were also
 * GitHub's HMAC key would let whoever reads one GitLab delivery (a proxy log,
 * GitLab's own delivery view) sign pushes as GitHub. Providers that share a
 * secret are all refused until each has its own, and the daemon says so at
 * start. Pure.
 *
 * @example
 *   assembleWebhookSecrets({ github: 's', gitlab: 's', generic: 'g' })
 *   // => { secrets: { generic: 'g' }, shared: [['github', 'gitlab']] }
 */
import { secretFromEnv } from '../config/assemble.ts';
import type { WebhookProvider } from '../config/types.ts';

/** The push receivers, `/hooks/<provider>`. */
export const WEBHOOK_PROVIDERS: readonly WebhookProvider[] = ['github', 'gitlab', 'generic'];

export interface WebhookSecrets {
  /** The providers with a secret of their own; a provider missing here refuses every delivery. */
  secrets: Partial<Record<WebhookProvider, string>>;
  /** Groups of providers configured with one same secret (each group has two or more). */
  shared: WebhookProvider[][];
}

export function assembleWebhookSecrets(values: Record<WebhookProvider, string | undefined>): WebhookSecrets {
  const byValue = new Map<string, WebhookProvider[]>();
  for (const [provider, value] of Object.entries(values) as [WebhookProvider, string | undefined][]) {
    if (!value) continue;
    byValue.set(value, [...(byValue.get(value) ?? []), provider]);
  }
  const secrets: WebhookSecrets['secrets'] = {};
  const shared: WebhookProvider[][] = [];
  for (const [value, providers] of byValue) {
    if (providers.length > 1) shared.push(providers);
    else secrets[providers[0]!] = value;
  }
  return { secrets, shared };
}

/** Each provider's secret from the environment variable drover.yaml names for it; providers sharing one keep none. */
export function webhookSecretsFromEnv({
  envs,
  env,
}: {
  envs: Record<WebhookProvider, string>;
  env: NodeJS.ProcessEnv;
}): WebhookSecrets {
  return assembleWebhookSecrets(
    Object.fromEntries(WEBHOOK_PROVIDERS.map((p) => [p, secretFromEnv(envs[p], env)])) as Record<
      WebhookProvider,
      string | undefined
    >,
  );
}
