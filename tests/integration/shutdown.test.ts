import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import { freePort } from '@shanhai/devstack';

const root = fileURLToPath(new URL('../..', import.meta.url));
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

async function env() {
  const database = await createTestDatabase(inject('pgAdminUrl'), 'demo');
  databases.push(database);
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  };
}

/** Starts an app entry point as a real process and resolves once `ready` appears in its output. */
function startProcess(entry: string, extraEnv: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry], {
    cwd: root,
    env: extraEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // 'close', not 'exit': only then has all of the child's output been read.
  const exited = new Promise<number | string | null>((r) => child.on('close', (code, signal) => r(code ?? signal)));
  const started = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`exited before ready:\n${output}`)));
  });
  return { child, started, exited, output: () => output };
}

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('graceful shutdown on SIGTERM', () => {
  it('the api finishes in-flight work, closes and exits 0', async () => {
    const port = await freePort();
    const p = startProcess(
      'apps/api/src/server.ts',
      { ...(await env()), PORT: String(port), HOST: '127.0.0.1' },
      /Server listening/,
    );
    await p.started;
    // Live at once; ready once its start-up catch-ups are done (they run after listen).
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    let ready = 0;
    for (const deadline = Date.now() + 10_000; ready !== 200 && Date.now() < deadline;) {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(ready).toBe(200);
    // A login (argon2id) in flight when SIGTERM arrives still gets its answer.
    const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'buyer@demo.shanhai', password: 'shanhai-demo' }),
    });
    // SIGTERM once the server has logged the login's arrival: it is in flight for certain.
    await until(() => /"url":"\/api\/v1\/auth\/login"/.test(p.output()));
    p.child.kill('SIGTERM');
    const answered = await inFlight.catch((e: unknown) => e);
    const code = await p.exited;
    expect(p.output()).toContain('shutting down');
    expect((answered as Response).status).toBe(200);
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('the worker stops taking jobs, closes and exits 0', async () => {
    // Any free health port: a developer's own worker may hold the default 3001 on this machine.
    const p = startProcess('apps/worker/src/main.ts', { ...(await env()), HEALTH_PORT: '0' }, /worker started/);
    await p.started;
    p.child.kill('SIGTERM');
    const code = await p.exited;
    expect({ code, output: p.output() }).toMatchObject({
      code: 0,
      output: expect.stringContaining('shutting down: finishing active jobs'),
    });
  });
});
