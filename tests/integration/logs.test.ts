/**
 * The api and the worker log the same JSON lines (both pino): a worker line parses as JSON with
 * level, time, pid, hostname, name and msg like the api's, then its own fields.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from '@shanhai/api/app';
import { createLogger } from '@shanhai/worker/log';
import { createTestApp, type TestApp } from '../../apps/api/test-support/testing';

/** A destination that keeps the lines written to it. */
function collector() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
});
afterAll(() => t.close());

describe('log lines', () => {
  it('are the same JSON from the api and the worker', async () => {
    const apiOut = collector();
    const config = { ...t.config, logLevel: 'info' };
    const api = await buildApp(config, { logger: { ...loggerOptions(config), stream: apiOut } });
    try {
      await api.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'log-test' } });
    } finally {
      await api.close();
    }
    const workerOut = collector();
    createLogger('info', 'worker', workerOut).info({ queue: 'tally', jobId: 'j1' }, 'job done');
    createLogger('warn', 'worker', workerOut).info({}, 'below the level: not written');

    const apiLine = JSON.parse(apiOut.lines.find((l) => l.includes('"request completed"'))!) as Record<string, unknown>;
    expect(workerOut.lines).toHaveLength(1);
    expect(workerOut.lines[0]!.endsWith('\n')).toBe(true);
    const workerLine = JSON.parse(workerOut.lines[0]!) as Record<string, unknown>;

    const common = { level: 30, time: expect.any(Number), pid: process.pid, hostname: hostname() };
    expect(apiLine).toMatchObject({ ...common, name: 'api', msg: 'request completed', reqId: 'log-test' });
    expect(workerLine).toEqual({ ...common, name: 'worker', msg: 'job done', queue: 'tally', jobId: 'j1' });
    // The same leading fields in the same order, so one log pipeline reads both.
    const lead = (line: object) => Object.keys(line).slice(0, 5);
    expect(lead(workerLine)).toEqual(lead(apiLine));
  });

  it('leave credentials out of the api’s', async () => {
    const apiOut = collector();
    const config = { ...t.config, logLevel: 'info' };
    const api = await buildApp(config, { logger: { ...loggerOptions(config), stream: apiOut } });
    try {
      await api.inject({
        method: 'GET',
        url: '/healthz',
        headers: { authorization: 'Bearer secret-token', cookie: 'refresh=secret-cookie' },
      });
    } finally {
      await api.close();
    }
    const text = apiOut.lines.join('');
    expect(text).toContain('"request completed"');
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('secret-cookie');
  });
});
