/**
 * The front cache on a real HTTP server: what it replays, when it refuses and lets the router (here
 * a handler that answers 418) take the request.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FrontCache, type Offer } from './front-cache';

let now = 1_000_000;
let routed = 0;
const observed: [string, number][] = [];
const logged: object[] = [];
let cache: FrontCache;
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (cache.serve(req, res)) return;
    routed++;
    res.writeHead(418, { 'x-router': 'yes' }).end('router');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  now = 1_000_000;
  routed = 0;
  observed.length = 0;
  logged.length = 0;
  cache = new FrontCache({
    requestId: (req) =>
      typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : 'generated-id',
    now: () => now,
  });
  cache.durations = (route, status) => ({ observe: () => observed.push([route, status]) });
  cache.log = { isLevelEnabled: (level) => level === 'info', info: (obj) => logged.push(obj) };
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const BODY = Buffer.from('{"rows":[]}');
const offer = (o: Partial<Offer> = {}): Offer => ({
  url: '/board?year=2026',
  coding: null,
  route: '/board',
  headers: {
    'content-security-policy': "default-src 'self'",
    etag: '"abc"',
    'cache-control': 'public, no-cache',
    vary: 'accept-encoding',
    'content-type': 'application/json; charset=utf-8',
    'content-length': BODY.length,
    'x-request-id': 'the-first-request',
    connection: 'close',
  },
  body: BODY,
  etag: '"abc"',
  validUntil: now + 10_000,
  generation: cache.generation,
  ...o,
});

describe('FrontCache', () => {
  it('replays the offered answer: the same headers and bytes, its own request id, counted and logged', async () => {
    cache.offer(offer());
    const res = await get('/board?year=2026', { 'x-request-id': 'second' });
    expect(res.status).toBe(200);
    expect(res.body.equals(BODY)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-security-policy': "default-src 'self'",
      etag: '"abc"',
      'cache-control': 'public, no-cache',
      vary: 'accept-encoding',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(BODY.length),
      'x-request-id': 'second',
    });
    // The first answer's connection header is about its own connection, not replayed.
    expect(res.headers.connection).toBe('keep-alive');
    expect(routed).toBe(0);
    expect(observed).toEqual([['/board', 200]]);
    expect(logged).toEqual([
      expect.objectContaining({
        reqId: 'second',
        req: { method: 'GET', url: '/board?year=2026' },
        res: { statusCode: 200 },
        frontCache: true,
      }),
    ]);
    expect((await get('/board?year=2026')).headers['x-request-id']).toBe('generated-id');
  });

  it('answers a matching If-None-Match with a 304 without body headers', async () => {
    cache.offer(offer());
    const res = await get('/board?year=2026', { 'if-none-match': 'W/"abc"' });
    expect(res.status).toBe(304);
    expect(res.body.length).toBe(0);
    expect(res.headers).toMatchObject({
      etag: '"abc"',
      'cache-control': 'public, no-cache',
      vary: 'accept-encoding',
      'content-security-policy': "default-src 'self'",
    });
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['content-length']).toBeUndefined();
    expect(observed).toEqual([['/board', 304]]);
    expect((await get('/board?year=2026', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('keeps one answer per coding and picks it by Accept-Encoding', async () => {
    const br = Buffer.from('brotli bytes');
    cache.offer(
      offer({
        coding: 'br',
        body: br,
        etag: '"abc-br"',
        headers: { ...offer().headers, etag: '"abc-br"', 'content-encoding': 'br', 'content-length': br.length },
      }),
    );
    expect((await get('/board?year=2026')).status).toBe(418); // identity not offered yet
    const res = await get('/board?year=2026', { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.body.equals(br)).toBe(true);
    expect((await get('/board?year=2026', { 'accept-encoding': 'gzip' })).status).toBe(418);
    cache.offer(offer());
    expect((await get('/board?year=2026', { 'accept-encoding': 'identity' })).body.equals(BODY)).toBe(true);
  });

  it('leaves to the router: other URLs, other methods, expired answers, answers after clear(), and everything once closing', async () => {
    cache.offer(offer());
    expect((await get('/board?year=2025')).status).toBe(418);
    expect((await get('/board?year=2026&by=town')).status).toBe(418);
    expect((await get('/board?year=2026', {}, 'HEAD')).status).toBe(418);
    expect((await get('/board?year=2026', {}, 'POST')).status).toBe(418);
    expect((await get('/board?year=2026')).status).toBe(200);
    now += 10_000;
    expect((await get('/board?year=2026')).status).toBe(418);

    cache.offer(offer());
    cache.clear();
    expect((await get('/board?year=2026')).status).toBe(418);

    cache.offer(offer());
    cache.close();
    expect((await get('/board?year=2026')).status).toBe(418);
    cache.offer(offer());
    expect((await get('/board?year=2026')).status).toBe(418);
    expect(routed).toBe(8);
  });

  it('refuses an answer built before a clear(), or already past its time', async () => {
    const built = offer();
    cache.clear();
    cache.offer(built);
    expect((await get('/board?year=2026')).status).toBe(418);
    cache.offer(offer({ validUntil: now }));
    expect((await get('/board?year=2026')).status).toBe(418);
  });

  it('keeps a bounded number of URLs', async () => {
    for (let i = 0; i < 300; i++) cache.offer(offer({ url: `/board?n=${i}` }));
    expect((await get('/board?n=299')).status).toBe(200);
    expect((await get('/board?n=0')).status).toBe(418);
  });
});
