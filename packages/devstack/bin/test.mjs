#!/usr/bin/env node
// `npm test`: install, then lint, check formatting, typecheck, build (api, worker, web) and run every suite, each against
// its own PostgreSQL and Redis on free ports (never the developer's data). Non-zero on any failure.
import { existsSync } from 'node:fs';
import { checkNode, fail, findPnpm, findPostgresTools, install, onPath, runPnpm } from './lib.mjs';

checkNode();
if (!onPath('redis-server')) {
  fail(
    'The tests start their own Redis and need `redis-server` on PATH (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`).',
  );
}
const chromium =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!chromium || !existsSync(chromium)) {
  fail(
    'The browser tests need Chromium and none was found (looked for /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome).\nInstall it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

// The backup test runs pg_dump and pg_restore against a server of their own version.
const pgBinDir = findPostgresTools();
if (!pgBinDir) {
  fail(
    'The backup test needs a PostgreSQL ≥ 15 installation with pg_dump and pg_restore, and none was found (looked at PG_BIN_DIR and /usr/lib/postgresql/*/bin).\nInstall it with `sudo apt-get install postgresql` (Debian/Ubuntu), or set PG_BIN_DIR to the folder holding initdb, postgres, pg_dump and pg_restore.',
  );
}

const pnpm = findPnpm();
install(pnpm);

const steps = [
  ['lint', ['exec', 'eslint', '--max-warnings', '0', '.']],
  ['format', ['exec', 'prettier', '--check', '.']],
  ['typecheck', ['-r', '--workspace-concurrency', '1', 'typecheck']],
  ['build (api, worker, web)', ['run', 'build']],
  ['unit + integration', ['exec', 'vitest', 'run', '--config', 'tests/vitest.config.ts']],
  ['browser (Chromium)', ['exec', 'vitest', 'run', '--config', 'tests/vitest.e2e.config.ts']],
];
const failed = [];
for (const [name, args] of steps) {
  process.stdout.write(`\n━━ ${name} ━━\n`);
  const code = runPnpm(pnpm, args, { env: { CHROMIUM_PATH: chromium, PG_BIN_DIR: pgBinDir } });
  if (code !== 0) failed.push(name);
}
if (failed.length) fail(`npm test failed: ${failed.join(', ')}.`);
process.stdout.write('\nnpm test: every step passed.\n');
