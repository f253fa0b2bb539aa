import { join } from 'node:path';
import type { Config } from '../config.ts';

/** Where a run's own log goes: `<stateDir>/logs/<run-id>.jsonl`. */
export const logFileOf = (config: Config, runId: string) => join(config.paths.state, 'logs', `${runId}.jsonl`);
