/**
 * The api's cached leaderboard against the real tally worker: after a sale is tallied and the
 * worker publishes "changed", the api's next answer shows the sale (identity and br alike), under
 * a new ETag, and the old ETag no longer earns a 304. Over a real socket, the front cache (the
 * answers kept in front of the router) answers exactly as the router does, and lets go of an
 * answer when the board changes.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSales, foldAll, schema } from '@shanhai/db';
import { businessDate } from '@shanhai/domain';
import { createTestApp, type TestApp } from '../../apps/api/test-support/testing';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime, type Runtime } from '@shanhai/worker/runtime';

let t: TestApp;
let worker: Runtime;
let port: number;
/** What the api relays to its SSE clients: it drops its cache in the same step, before relaying. */
let stream: { text: () => string; close: () => void };
beforeAll(async () => {
  t = await createTestApp({ template: 'demo' });
  // Nothing untallied is left from the demo world: the worker's next batch is this test's sale.
  await foldAll(t.app.db);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
  stream = await new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/leaderboard/stream' }, (res) => {
      const chunks: string[] = [];
      res.on('data', (d: Buffer) => chunks.push(d.toString()));
      resolve({ text: () => chunks.join(''), close: () => req.destroy() });
    });
    req.end();
  });
  worker = await startRuntime(
    {
      databaseUrl: t.config.databaseUrl,
      databasePoolMax: 2,
      redisUrl: t.config.redisUrl,
      redisPrefix: t.config.redisPrefix,
      logLevel: 'silent',
      concurrency: 1,
    },
    createLogger('silent'),
  );
});
afterAll(async () => {
  stream.close();
  await worker.close();
  await t.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the front cache answered (rather than the router). */
  front: boolean;
}

/** A GET over the socket, told whether the front cache answered it. */
function socketGet(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const cache = t.app.frontCache;
  let front = false;
  const serve = cache.serve.bind(cache);
  cache.serve = (req, res) => (front = serve(req, res));
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), front }),
      );
    });
    req.on('error', reject);
    req.end();
  }).finally(() => {
    cache.serve = serve;
  });
}

/** The headers made per answer: the rest must be the same whoever answered. */
const steady = ({ date: _date, 'x-request-id': _id, ...rest }: IncomingHttpHeaders) => rest;

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
    const salesOf = (body: string) =>
      (JSON.parse(body) as { rows: { townId: string; salesFen: number }[] }).rows.find((r) => r.townId === town!.id)!
        .salesFen;

    await until(() => stream.text().includes('event: hello'), 'the SSE hello');
    t.app.leaderboardLive.invalidate();
    const before = await get();
    const beforeBr = await get({ 'accept-encoding': 'br' });
    expect(t.app.leaderboardLive.peek('2026|town|2026-12-31')).toBeDefined();
    const etag = String(before.headers.etag);
    expect((await get({ 'if-none-match': etag })).statusCode).toBe(304);
    expect(stream.text()).not.toContain('event: changed');

    await appendSales(t.app.db, [
      {
        source: 'offline',
        sourceRef: 'cache-test',
        kind: 'sale',
        townId: town!.id,
        category: 'tea',
        amountFen: 12_345,
        businessDate: '2026-06-01',
      },
    ]);
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

  it('over a socket, the front cache shows the next sale as soon as the worker announces it', async () => {
    const path = '/api/v1/leaderboard?year=2026&by=town';
    const [town] = await t.app.db.select({ id: schema.towns.id }).from(schema.towns).limit(1);
    const salesOf = (a: Answer) =>
      (JSON.parse(a.body.toString()) as { rows: { townId: string; salesFen: number }[] }).rows.find(
        (r) => r.townId === town!.id,
      )!.salesFen;
    await socketGet(path);
    const before = await socketGet(path);
    expect(before.front).toBe(true);
    const changes = stream.text().split('event: changed').length;

    await appendSales(t.app.db, [
      {
        source: 'offline',
        sourceRef: 'front-cache-test',
        kind: 'sale',
        townId: town!.id,
        category: 'tea',
        amountFen: 6_789,
        businessDate: businessDate(),
      },
    ]);
    await t.app.queues.tallySoon();
    await until(
      () => stream.text().split('event: changed').length > changes,
      'the worker’s announcement, relayed by the api',
    );

    const after = await socketGet(path, { 'if-none-match': String(before.headers.etag) });
    expect(after.front).toBe(false);
    expect(after.status).toBe(200);
    expect(salesOf(after)).toBe(salesOf(before) + 6_789);
    const again = await socketGet(path);
    expect(again.front).toBe(true);
    expect(again.body.equals(after.body)).toBe(true);
  });
});

describe('the front cache', () => {
  const path = '/api/v1/leaderboard?year=2026&by=county&asOf=2026-06-30';

  it('answers a repeated GET with the router’s status, headers and bytes, in every coding', async () => {
    for (const encoding of ['identity', 'gzip', 'gzip, deflate, br, zstd']) {
      t.app.leaderboardLive.invalidate();
      const routed = await socketGet(path, { 'accept-encoding': encoding });
      const cached = await socketGet(path, { 'accept-encoding': encoding, 'x-request-id': 'second-ask' });
      expect([routed.front, cached.front]).toEqual([false, true]);
      expect(cached.status).toBe(200);
      expect(cached.body.equals(routed.body)).toBe(true);
      expect(steady(cached.headers)).toEqual(steady(routed.headers));
      expect(routed.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(cached.headers['x-request-id']).toBe('second-ask');
      expect(cached.headers['x-request-id']).not.toBe(routed.headers['x-request-id']);
      expect(cached.headers.date).toEqual(expect.any(String));
    }
  });

  it('answers If-None-Match with the router’s 304', async () => {
    t.app.leaderboardLive.invalidate();
    const first = await socketGet(path, { 'accept-encoding': 'br' });
    const etag = String(first.headers.etag);
    t.app.frontCache.clear(); // the board stays cached; only the router can answer now
    const routed = await socketGet(path, { 'accept-encoding': 'br', 'if-none-match': etag });
    await socketGet(path, { 'accept-encoding': 'br' });
    const cached = await socketGet(path, { 'accept-encoding': 'br', 'if-none-match': etag });
    expect([routed.front, cached.front]).toEqual([false, true]);
    expect([routed.status, cached.status]).toEqual([304, 304]);
    expect(cached.body.length).toBe(0);
    expect(steady(cached.headers)).toEqual(steady(routed.headers));
  });

  it('leaves HEAD, invalid queries and unknown URLs to the router', async () => {
    await socketGet(path);
    expect((await socketGet(path)).front).toBe(true);
    expect((await socketGet(`${path}&extra=1`)).status).toBe(400);
    expect((await socketGet(`${path}&extra=1`)).front).toBe(false);
    const head = await new Promise<number>((resolve) => {
      httpRequest({ host: '127.0.0.1', port, path, method: 'HEAD' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).end();
    });
    expect(head).toBe(200);
  });

  it('counts its answers in the request-duration metric, under the route', async () => {
    await socketGet(path);
    const count = async () => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('shanhai_api_http_request_duration_seconds_count') &&
            l.includes('route="/api/v1/leaderboard"') &&
            l.includes('status="200"'),
        );
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) expect((await socketGet(path)).front).toBe(true);
    expect(await count()).toBe(before + 3);
  });

  it('is built into Fastify’s own server, with its keep-alive and request timeouts', () => {
    expect(t.app.server.keepAliveTimeout).toBe(72_000);
    expect(t.app.server.requestTimeout).toBe(0);
  });
});
