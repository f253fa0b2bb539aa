import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { notifyRun } from '../engine/notify.ts';
import { logFileOf, pruneRunLogs } from '../engine/run-log.ts';
import { emptyCounts, now } from '../engine/run-events.ts';
import type { RunEventListener, RunFinishedEvent } from '../engine/run-events.ts';
import { STOP_EXIT_CODES, gracefulStop } from '../engine/stop-requests.ts';
import { EXIT } from '../exit-codes.ts';
import { newRunId } from '../engine/ledger.ts';
import { createLogger, flushLogFile, unredacted } from '../log.ts';
import type { Logger } from '../log.ts';
import { jsonView, linesView, quietView } from '../reports/progress.ts';
import type { ProgressView } from '../reports/progress.ts';
import { restatedLine, runPipeline, validateSelection } from '../engine/run.ts';
import type { RunOptions, RunOutcome } from '../engine/run.ts';
import { displayPath, formatSummary } from '../reports/summary.ts';
import { INDEX_PAGE, defaultSiteDir } from '../reports/site/paths.ts';
import type { Config } from '../config.ts';

export interface OutputFlags {
  /** One JSON object per event on stdout instead of the live view and the summary. */
  json?: boolean;
  /** Only the summary and errors. */
  quiet?: boolean;
}

/** The summary's last line: where the workbooks are, and the site when `docs` has written one. */
function whereToLook(config: Config): string {
  const index = join(defaultSiteDir(config), INDEX_PAGE);
  const site = existsSync(index) ? `site: ${displayPath(index)} (pipeline docs to refresh)` : 'site: none yet (pipeline docs writes one)';
  return `scorecards: ${displayPath(join(config.paths.scorecards, '*.xlsx'))}; ${site}`;
}

type SupervisedOptions = Omit<RunOptions, 'log' | 'signal' | 'stop' | 'runId' | 'onEvent' | 'logFile' | 'project'>;

/** A supervised run's outcome; `logFailure` when its log file could not be written (a full disk). */
export type SupervisedOutcome = RunOutcome & { readonly logFailure?: Error };

/**
 * A run with its own log file and alert: the one piece `run`, `retry` and each scheduled fire
 * share. `onEvent` sees every event; the webhook is told once the run has finished.
 */
export async function superviseRun(
  options: SupervisedOptions & { readonly stop?: AbortSignal; readonly signal?: AbortSignal },
  console: { readonly log: (file: string, onFileError: (error: Error) => void) => Logger; readonly onEvent?: RunEventListener },
): Promise<SupervisedOutcome> {
  const project = await validateSelection(options);
  const runId = newRunId();
  const logFile = logFileOf(options.config, runId);
  let logFailure: Error | undefined;
  const log = console.log(logFile, (error) => (logFailure = error));
  const runLog = log.child({ run: runId });
  const taskLines = linesView(unredacted(runLog));
  let finished: RunFinishedEvent | undefined;
  let started = false;
  const counts = emptyCounts();
  const startedAt = performance.now();
  let outcome: RunOutcome;
  try {
    outcome = await runPipeline({
      ...options,
      project,
      runId,
      log,
      logFile,
      onEvent: (event) => {
        console.onEvent?.(event);
        taskLines.onEvent(event);
        if (event.event === 'run started') started = true;
        if (event.event === 'task finished') counts[event.status]++;
        if (event.event === 'run finished') finished = event;
      },
    });
    if (finished) await notifyRun(options.config.notify, { ...finished, command: options.command }, runLog);
  } catch (error) {
    // A run that started and then ended without finishing (the warehouse or its lock lost for good) is a failure to tell too.
    if (started && !finished) {
      const lost: RunFinishedEvent = {
        event: 'run finished',
        runId,
        status: 'failed',
        counts,
        failed: [{ task: `run ${runId}`, error: (error as Error).message }],
        published: [],
        restatements: [],
        durationMs: Math.round(performance.now() - startedAt),
        logFile,
        at: now(),
      };
      await notifyRun(options.config.notify, { ...lost, command: options.command }, runLog);
    }
    throw error;
  } finally {
    // The log is written in batches: complete once the run is, and a failure to write it known before the outcome.
    await flushLogFile(log);
    // A run refused before it started (the warehouse held, a selector wrong) is in no ledger: no log of its own either.
    if (!started) await rm(logFile, { force: true });
    await pruneRunLogs(options.config);
  }
  return { ...outcome, ...(logFailure ? { logFailure } : {}) };
}

/**
 * Runs a pipeline in the foreground: a live view on a terminal (a line per task otherwise,
 * JSON events with `--json`), the summary, and the exit code. The first stop request (Ctrl-C,
 * SIGTERM, SIGHUP, or pnpm going away) starts nothing more and lets running tasks finish,
 * for a grace period (see gracefulStop), so the ledger stays consistent and `retry` picks up the rest; a
 * second one cancels the running tasks at once. A log file that could not be written fails
 * the command after the summary.
 */
export async function runAndReport(options: SupervisedOptions, flags: OutputFlags = {}): Promise<void> {
  // The live view's terminal libraries are loaded only on a terminal.
  const view: ProgressView = flags.json ? jsonView() : flags.quiet ? quietView() : process.stderr.isTTY ? (await import('../reports/live-view.ts')).liveView() : quietView();
  const consoleLevel = flags.quiet ? 'error' : view.console ? 'warn' : undefined;
  let logger: Logger | undefined;
  const stopping = gracefulStop((reason) => logger?.warn(`interrupted (${reason}): finishing the running tasks, starting no more (again to cancel them)`));
  try {
    const outcome = await superviseRun(
      { ...options, stop: stopping.stop, signal: stopping.cancel },
      {
        log: (file, onFileError) =>
          (logger = createLogger({ file, onFileError, ...(consoleLevel ? { level: consoleLevel } : {}), ...(view.console ? { console: view.console } : {}) })),
        onEvent: view.onEvent,
      },
    );
    view.close();
    if (outcome.retried && outcome.tasks.order === 0) {
      const nothing = `run ${outcome.retried.run_id} (${outcome.retried.status}) has nothing failed, blocked or abandoned to retry`;
      // --json writes nothing but JSON on stdout, whatever happened.
      process.stdout.write(flags.json ? `${JSON.stringify({ event: 'nothing to retry', runId: outcome.retried.run_id, status: outcome.retried.status, message: nothing })}\n` : `${nothing}\n`);
    } else {
      const restated = outcome.restatements.map((restatement) => restatedLine(outcome.project, restatement));
      if (!flags.json) process.stdout.write(`${formatSummary(outcome.tasks, outcome.results, restated, { quiet: flags.quiet === true })}\n${whereToLook(options.config)}\n`);
      const stoppedBy = stopping.reason();
      process.exitCode = stoppedBy ? STOP_EXIT_CODES[stoppedBy] : outcome.status === 'succeeded' ? EXIT.ok : EXIT.failed;
    }
    if (outcome.logFailure) throw outcome.logFailure;
  } catch (error) {
    // Stopped while waiting for another run to release the warehouse: nothing ran, nothing to record.
    const stoppedBy = stopping.reason();
    if (stoppedBy === undefined || (error as Error).name !== 'AbortError') throw error;
    logger?.warn(`stopped (${stoppedBy}) while waiting for the warehouse: nothing ran`);
    process.exitCode = STOP_EXIT_CODES[stoppedBy];
  } finally {
    view.close();
    stopping.dispose();
  }
}
