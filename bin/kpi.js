#!/usr/bin/env node
// `pnpm exec kpi …` / `npx kpi …`: the same CLI as `pnpm pipeline …`, with TypeScript loaded through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../pipeline/cli.ts');
process.exitCode = await main(process.argv.slice(2));
