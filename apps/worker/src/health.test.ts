import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startHealthServer } from './health';
import { createLogger } from './log';
import { startRuntime } from './runtime';
import { testWorkerConfig } from '../test-support/testing';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('worker health endpoint', () => {
  it('answers 200 while the workers run, serves the metrics, and 503 once they stopped', async () => {
    const { config, database } = await testWorkerConfig('empty');
    cleanups.push(() => database.drop());
    const runtime = await startRuntime(config, createLogger('silent'));
    const server = await startHealthServer(runtime, 0, '127.0.0.1');
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const ok = await fetch(`${base}/healthz`);
    expect({ status: ok.status, body: await ok.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE shanhai_tally_drift_rows gauge');
    expect((await fetch(`${base}/nothing`)).status).toBe(404);

    await runtime.close();
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'down', workersDown: expect.arrayContaining(['tally']) });
  });
});
