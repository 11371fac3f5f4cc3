/**
 * The api's cached leaderboard against the real tally worker: after a sale is tallied and the
 * worker publishes "changed", the api's next answer shows the sale (identity and br alike), under
 * a new ETag, and the old ETag no longer earns a 304. Over a real socket, every answer of the
 * cached board goes through Fastify's router: its ETag/304 and codings, and any hook on the route.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSales, foldAll, schema } from '@shanhai/db';
import { businessDate } from '@shanhai/domain';
import { buildApp } from '@shanhai/api/app';
import { createTestApp, type TestApp } from '../../apps/api/test-support/testing';

const METRICS_TOKEN = 'leaderboard-cache-metrics-token';
import type { Runtime } from '@shanhai/worker/runtime';
import { startWorkerFor } from '../support/worker';

let t: TestApp;
let worker: Runtime;
let port: number;
/** What the api relays to its SSE clients: it drops its cache in the same step, before relaying. */
let stream: { text: () => string; close: () => void };
beforeAll(async () => {
  t = await createTestApp({ template: 'demo', config: { metricsToken: METRICS_TOKEN } });
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
  worker = await startWorkerFor(t, { databasePoolMax: 2 });
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
}

/** A GET over a real socket (to `port` unless told another). */
function socketGet(path: string, headers: Record<string, string> = {}, to = port): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: to, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers made per answer: the rest must be the same from one answer to the next. */
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
    // The worker's own start-up jobs may announce changes of their own; this sale's is the one naming its town.
    const seen = stream.text().length;

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
    await until(
      () =>
        [
          ...stream
            .text()
            .slice(seen)
            .matchAll(/event: changed\ndata: (.*)/g),
        ].some((m) => m[1]!.includes(town!.id)),
      'the worker’s announcement of this town, relayed by the api',
    );

    const after = await get({ 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(salesOf(after.body)).toBe(salesOf(before.body) + 12_345);
    expect(after.headers.etag).not.toBe(etag);
    const afterBr = await get({ 'accept-encoding': 'br', 'if-none-match': String(beforeBr.headers.etag) });
    expect(afterBr.statusCode).toBe(200);
    expect(afterBr.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(afterBr.rawPayload).equals(after.rawPayload)).toBe(true);
  });

  it('over a socket, a repeated GET shows the next sale as soon as the worker announces it', async () => {
    const path = '/api/v1/leaderboard?year=2026&by=town';
    const [town] = await t.app.db.select({ id: schema.towns.id }).from(schema.towns).limit(1);
    const salesOf = (a: Answer) =>
      (JSON.parse(a.body.toString()) as { rows: { townId: string; salesFen: number }[] }).rows.find(
        (r) => r.townId === town!.id,
      )!.salesFen;
    await socketGet(path);
    const before = await socketGet(path);
    const changes = stream.text().split('event: changed').length;

    await appendSales(t.app.db, [
      {
        source: 'offline',
        sourceRef: 'socket-cache-test',
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
    expect(after.status).toBe(200);
    expect(salesOf(after)).toBe(salesOf(before) + 6_789);
    const again = await socketGet(path);
    expect(again.body.equals(after.body)).toBe(true);
  });
});

describe('the cached board through the router', () => {
  const path = '/api/v1/leaderboard?year=2026&by=county&asOf=2026-06-30';

  it('answers a repeated GET with the same status, headers and bytes, in every coding', async () => {
    for (const encoding of ['identity', 'gzip', 'gzip, deflate, br, zstd']) {
      t.app.leaderboardLive.invalidate();
      const built = await socketGet(path, { 'accept-encoding': encoding });
      const cached = await socketGet(path, { 'accept-encoding': encoding, 'x-request-id': 'second-ask' });
      expect(cached.status).toBe(200);
      expect(cached.body.equals(built.body)).toBe(true);
      expect(steady(cached.headers)).toEqual(steady(built.headers));
      expect(cached.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(cached.headers['x-request-id']).toBe('second-ask');
      expect(cached.headers.date).toEqual(expect.any(String));
    }
    const identity = await socketGet(path);
    const gzip = await socketGet(path, { 'accept-encoding': 'gzip' });
    const br = await socketGet(path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect([identity.headers['content-encoding'], gzip.headers['content-encoding']]).toEqual([undefined, 'gzip']);
    expect(br.headers['content-encoding']).toBe('br');
    expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
  });

  it('answers If-None-Match with a 304 without body headers, in each coding', async () => {
    t.app.leaderboardLive.invalidate();
    for (const encoding of ['identity', 'gzip', 'br']) {
      const first = await socketGet(path, { 'accept-encoding': encoding });
      const etag = String(first.headers.etag);
      const again = await socketGet(path, { 'accept-encoding': encoding, 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe('public, no-cache');
      expect(again.headers.vary).toBe('accept-encoding');
      expect(again.headers['content-encoding']).toBeUndefined();
      expect(again.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('counts every answer in the request-duration metric, under the route', async () => {
    await socketGet(path);
    const count = async () => {
      const text = (
        await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).body;
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
    for (let i = 0; i < 3; i++) expect((await socketGet(path)).status).toBe(200);
    expect(await count()).toBe(before + 3);
  });

  it('runs a hook added to the leaderboard route on every answer, cached or not', async () => {
    // A second api on the same database and Redis, with a hook on the board's route: a header on
    // every answer, and a refusal like a rate limit's for a marked client.
    const hooked = await buildApp(t.config, { logger: false });
    let hookRuns = 0;
    hooked.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.url !== '/api/v1/leaderboard') return done();
      hookRuns++;
      reply.header('x-board-hook', String(hookRuns));
      if (request.headers['x-refuse'] === 'yes') return reply.code(429).send({ refused: true });
      done();
    });
    await hooked.listen({ host: '127.0.0.1', port: 0 });
    try {
      const hookedPort = (hooked.server.address() as AddressInfo).port;
      const first = await socketGet(path, { 'accept-encoding': 'br' }, hookedPort);
      expect(first.status).toBe(200);
      expect(hooked.leaderboardLive.peek('2026|county|2026-06-30')).toBeDefined();
      const second = await socketGet(path, { 'accept-encoding': 'br' }, hookedPort);
      expect(second.body.equals(first.body)).toBe(true);
      expect([first.headers['x-board-hook'], second.headers['x-board-hook']]).toEqual(['1', '2']);
      const notModified = await socketGet(
        path,
        { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) },
        hookedPort,
      );
      expect([notModified.status, notModified.headers['x-board-hook']]).toEqual([304, '3']);
      const refused = await socketGet(path, { 'accept-encoding': 'br', 'x-refuse': 'yes' }, hookedPort);
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body.toString())).toEqual({ refused: true });
      expect(hookRuns).toBe(4);
    } finally {
      await hooked.close();
    }
  });
});
