/**
 * The api's cached leaderboard against the real tally worker: after a sale is tallied and the
 * worker publishes "changed", the api's next answer shows the sale (identity and br alike), under
 * a new ETag, and the old ETag no longer earns a 304.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSales, foldAll, schema } from '@shanhai/db';
import { createTestApp, type TestApp } from '@shanhai/api/testing';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime, type Runtime } from '@shanhai/worker/runtime';

let t: TestApp;
let worker: Runtime;
/** What the api relays to its SSE clients: it drops its cache in the same step, before relaying. */
let stream: { text: () => string; close: () => void };
beforeAll(async () => {
  t = await createTestApp({ template: 'demo' });
  // Nothing untallied is left from the demo world: the worker's next batch is this test's sale.
  await foldAll(t.app.db);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  stream = await new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/leaderboard/stream' }, (res) => {
      const chunks: string[] = [];
      res.on('data', (d: Buffer) => chunks.push(d.toString()));
      resolve({ text: () => chunks.join(''), close: () => req.destroy() });
    });
    req.end();
  });
  worker = await startRuntime(
    { databaseUrl: t.config.databaseUrl, databasePoolMax: 2, redisUrl: t.config.redisUrl, redisPrefix: t.config.redisPrefix, logLevel: 'silent', concurrency: 1 },
    createLogger('silent'),
  );
});
afterAll(async () => {
  stream.close();
  await worker.close();
  await t.close();
});

/** Waits for an event (bounded only so that a broken build fails instead of hanging). */
async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('the cached board after a tally', () => {
  it('shows a sale once the worker has tallied it and announced the change', async () => {
    const url = '/api/v1/leaderboard?year=2026&by=town&asOf=2026-12-31';
    const get = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
    const [town] = await t.app.db.select({ id: schema.towns.id }).from(schema.towns).limit(1);
    const salesOf = (body: string) => (JSON.parse(body) as { rows: { townId: string; salesFen: number }[] }).rows.find((r) => r.townId === town!.id)!.salesFen;

    await until(() => stream.text().includes('event: hello'), 'the SSE hello');
    t.app.leaderboardLive.invalidate();
    const before = await get();
    const beforeBr = await get({ 'accept-encoding': 'br' });
    expect(t.app.leaderboardLive.peek('2026|town|2026-12-31')).toBeDefined();
    const etag = String(before.headers.etag);
    expect((await get({ 'if-none-match': etag })).statusCode).toBe(304);
    expect(stream.text()).not.toContain('event: changed');

    await appendSales(t.app.db, [{ source: 'offline', sourceRef: 'cache-test', kind: 'sale', townId: town!.id, category: 'tea', amountFen: 12_345, businessDate: '2026-06-01' }]);
    await t.app.queues.tallySoon();
    await until(() => stream.text().includes('event: changed'), 'the worker’s announcement, relayed by the api');

    const after = await get({ 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(salesOf(after.body)).toBe(salesOf(before.body) + 12_345);
    expect(after.headers.etag).not.toBe(etag);
    const afterBr = await get({ 'accept-encoding': 'br', 'if-none-match': String(beforeBr.headers.etag) });
    expect(afterBr.statusCode).toBe(200);
    expect(afterBr.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(afterBr.rawPayload).equals(after.rawPayload)).toBe(true);
  });
});
