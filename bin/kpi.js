#!/usr/bin/env node
// `kpi …`, `pnpm pipeline …`, `pnpm exec kpi …`: the engine as built into dist/ (see build.js).
// A checkout whose sources changed since the last build is rebuilt first, so a stale build never runs.
import { buildEngine, isBuildCurrent } from './build.js';

if (!isBuildCurrent()) await buildEngine();
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
