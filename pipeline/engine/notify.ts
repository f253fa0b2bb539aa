import type { NotifyConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { isTransient, withRetry } from './retry.ts';
import type { RunFinishedEvent } from './run-events.ts';

/** An HTTP answer that is not 2xx, with its status for the retry policy. */
class WebhookError extends Error {
  constructor(readonly status: number) {
    super(`the webhook answered HTTP ${status}`);
  }
}

/** The webhook's JSON body: Slack-compatible (`text`), with the run's facts beside it for other receivers. */
export function notificationBody(run: RunFinishedEvent & { readonly command: string }) {
  const { counts } = run;
  const lines = [
    `KPI Factory run ${run.runId} ${run.status}: ${counts.succeeded} succeeded, ${counts.fresh} fresh, ${counts.failed} failed, ${counts.blocked} blocked (\`${run.command}\`)`,
    ...run.failed.map((failure) => `• ${failure.task}: ${failure.error}`),
    ...run.restatements.map((line) => `• ${line}`),
    ...(run.published.length > 0 ? [`published: ${run.published.join(', ')}`] : []),
  ];
  return {
    text: lines.join('\n'),
    runId: run.runId,
    status: run.status,
    command: run.command,
    counts,
    failed: run.failed,
    published: run.published,
    restatements: run.restatements,
    durationMs: run.durationMs,
    ...(run.logFile ? { logFile: run.logFile } : {}),
  };
}

/**
 * Tells the configured webhook how a run ended, when its status is one the configuration asks
 * for (failures by default). A notification that cannot be delivered is logged and never
 * changes the run's outcome.
 */
export async function notifyRun(config: NotifyConfig | undefined, run: RunFinishedEvent & { readonly command: string }, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!config) return;
  const wanted = run.status === 'succeeded' ? config.on.includes('success') : config.on.includes('failure');
  if (!wanted) return;
  const url = env[config.webhookEnv];
  if (!url) {
    log.warn(`notify: ${config.webhookEnv} is not set in the environment, so no notification was sent`);
    return;
  }
  try {
    await withRetry(
      async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(notificationBody(run)),
          signal: AbortSignal.timeout(config.timeoutSeconds * 1000),
        });
        await response.body?.cancel();
        if (!response.ok) throw new WebhookError(response.status);
      },
      {
        ...config.retry,
        isRetryable: (error) => error instanceof WebhookError ? error.status === 429 || error.status >= 500 : isTransient(error) || (error as Error).name === 'TimeoutError' || error instanceof TypeError,
        onRetry: (error, attempt, delayMs) => log.warn({ attempt, delayMs }, `notify: ${(error as Error).message}; retrying`),
      },
    );
    log.info({ webhook: config.webhookEnv }, `notified the webhook in ${config.webhookEnv} that run ${run.runId} ${run.status}`);
  } catch (error) {
    // The webhook's URL is a secret of its own (Slack's carry a token): name the variable, not the URL.
    log.error({ webhook: config.webhookEnv }, `notify: the webhook in ${config.webhookEnv} could not be told (${(error as Error).message}); the run's outcome stands`);
  }
}
