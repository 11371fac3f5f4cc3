#!/usr/bin/env node
// `npm start`: install, build the web app, then run the whole marketplace (src/start.ts).
import { join } from 'node:path';
import { checkNode, findPnpm, install, requireRedis, ROOT, runTs } from './lib.mjs';

checkNode();
requireRedis();
const pnpm = findPnpm();
install(pnpm);
const code = await runTs(join(ROOT, 'packages/devstack/src/start.ts'), {
  SHANHAI_PNPM: JSON.stringify(pnpm),
});
process.exit(code);
