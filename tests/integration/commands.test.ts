import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A folder holding only `node`: a PATH without redis-server or chromium. */
const nodeOnly = mkdtempSync(join(tmpdir(), 'shanhai-path-'));
symlinkSync(process.execPath, join(nodeOnly, 'node'));

function runBare(script: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: nodeOnly, HOME: '/tmp', ...env },
  });
}

describe('the two commands fail fast with a way out', () => {
  it('npm start without redis-server or REDIS_URL names the ways out, without a stack trace', () => {
    const r = runBare('packages/devstack/bin/start.mjs');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no `redis-server` on PATH and REDIS_URL is not set');
    expect(r.stderr).toContain('install Redis 7');
    expect(r.stderr).toContain('REDIS_URL=redis://host:6379 npm start');
    expect(r.stderr).toContain('docker compose up');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('npm test without Chromium says how to install it', () => {
    // redis-server's folder on PATH, so that the Chromium check is the one that fails.
    const redisDir = spawnSync('sh', ['-c', 'dirname "$(command -v redis-server)"'], {
      encoding: 'utf8',
    }).stdout.trim();
    const r = runBare('packages/devstack/bin/test.mjs', {
      PATH: `${nodeOnly}:${redisDir}`,
      CHROMIUM_PATH: '/nonexistent/chromium',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('The browser tests need Chromium');
    expect(r.stderr).toContain('apt-get install chromium');
  });

  it('npm test without PostgreSQL’s dump tools says how to install them', () => {
    const redisDir = spawnSync('sh', ['-c', 'dirname "$(command -v redis-server)"'], {
      encoding: 'utf8',
    }).stdout.trim();
    // Any existing file passes the Chromium check; the tools' check comes next.
    const r = runBare('packages/devstack/bin/test.mjs', {
      PATH: `${nodeOnly}:${redisDir}`,
      CHROMIUM_PATH: process.execPath,
      PG_BIN_DIR: '/nonexistent/postgresql/bin',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('pg_dump and pg_restore');
    expect(r.stderr).toContain('apt-get install postgresql');
  });
});
