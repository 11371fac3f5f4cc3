// Stage 0 of `npm start` and `npm test`: plain Node, no dependencies, because it runs before
// anything is installed. It finds pnpm, installs with the frozen lockfile, then hands over.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const MIN_NODE = [20, 19];

export function fail(message) {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    fail(`Shanhai Market needs Node.js ${MIN_NODE.join('.')} or newer; this is ${process.versions.node}.`);
  }
}

export function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

export function requireRedis() {
  if (process.env.REDIS_URL || onPath('redis-server')) return;
  fail(
    [
      'Redis is needed and none was found: there is no `redis-server` on PATH and REDIS_URL is not set.',
      'Any one of these gets you going:',
      '  - install Redis 7 (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), then run `npm start` again;',
      '  - point REDIS_URL at a Redis you have: `REDIS_URL=redis://host:6379 npm start`;',
      '  - or run the whole stack in containers: `docker compose up`.',
    ].join('\n'),
  );
}

/**
 * PG_BIN_DIR, else the newest Debian/Ubuntu /usr/lib/postgresql/<version ≥ 15>/bin holding the
 * server and its dump tools; null if none (the same search as devstack's postgresToolsDir).
 */
export function findPostgresTools() {
  const complete = (dir) => ['initdb', 'postgres', 'pg_dump', 'pg_restore'].every((t) => existsSync(join(dir, t)));
  if (process.env.PG_BIN_DIR) return complete(process.env.PG_BIN_DIR) ? process.env.PG_BIN_DIR : null;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian)
    .filter((v) => /^\d+$/.test(v) && Number(v) >= 15)
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(debian, v, 'bin')).find(complete) ?? null;
}

function pnpmVersion() {
  const pm = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager;
  return pm.split('@')[1];
}

function probe(command, args, env) {
  const r = spawnSync(command, [...args, '--version'], {
    cwd: ROOT,
    env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return r.status === 0 ? r.stdout.trim().split('\n').pop() : null;
}

/**
 * The pnpm of package.json's `packageManager`, found the first way that works:
 * a pnpm of that version on PATH, corepack, corepack on a registry that serves no signatures
 * (COREPACK_INTEGRITY_KEYS=0), or npx.
 */
export function findPnpm() {
  const version = pnpmVersion();
  const candidates = [
    { command: 'pnpm', args: [], env: {} },
    { command: 'corepack', args: ['pnpm'], env: {} },
    { command: 'corepack', args: ['pnpm'], env: { COREPACK_INTEGRITY_KEYS: '0' } },
    { command: 'npx', args: ['--yes', `pnpm@${version}`], env: {} },
  ];
  for (const c of candidates) {
    if (!onPath(c.command)) continue;
    if (probe(c.command, c.args, c.env) === version)
      return { ...c, env: { COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', ...c.env } };
  }
  fail(
    `Could not run pnpm ${version} (tried pnpm, corepack and npx). Install it with \`npm install -g pnpm@${version}\` and try again.`,
  );
}

export function runPnpm(pnpm, args, options = {}) {
  const r = spawnSync(pnpm.command, [...pnpm.args, ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...pnpm.env, ...options.env },
  });
  return r.status ?? 1;
}

export function install(pnpm) {
  if (runPnpm(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only']) !== 0) {
    fail('Installing dependencies failed (pnpm install --frozen-lockfile); see above.');
  }
}

/** Runs a TypeScript entry point with tsx, forwarding signals; resolves to its exit code. */
export function runTs(entry, env = {}) {
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  // The child handles SIGINT itself (it shares our terminal); we only wait for it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
