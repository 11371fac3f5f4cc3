import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { appendSales, foldAll, schema, type LedgerRow } from '@shanhai/db';
import { createOrg, createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { LEADERBOARD_CHANNEL } from '@shanhai/domain';
import { bearer, createTestApp, login, scrapeHeaders, type TestApp } from '../../../test-support/testing';
import { MAX_CACHE_ENTRIES } from './leaderboard-live';

let t: TestApp;
let townId: string;
let town2Id: string;
let buyerId: string;
let officeToken: string;
let buyerToken: string;
let honeyId: string;
let fruitId: string;

beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
  const db = t.app.db;
  const [county] = await db
    .insert(schema.counties)
    .values({ code: 'lb', nameZh: '测试县', nameEn: 'Test County' })
    .returning();
  const towns = await db
    .insert(schema.towns)
    .values([
      { code: 'lb-a', countyId: county!.id, nameZh: '甲镇', nameEn: 'Jia' },
      { code: 'lb-b', countyId: county!.id, nameZh: '乙镇', nameEn: 'Yi' },
    ])
    .returning();
  townId = towns[0]!.id;
  town2Id = towns[1]!.id;
  await db.insert(schema.townTargets).values([
    { townId, year: 2026, targetFen: 3_650_000 },
    { townId: town2Id, year: 2026, targetFen: 0 },
  ]);
  const buyer = await createOrg(db, { kind: 'buyer', name: '测试采购单位' });
  buyerId = buyer.id;
  await db
    .insert(schema.pairings)
    .values({ buyerOrgId: buyerId, townId, startsOn: '2026-01-01', pledgeFen: 1_000_000 });
  const office = await createOrgWithUser(db, { kind: 'office' });
  officeToken = (await login(t.app, office.user.email)).token;
  const b = await createOrgWithUser(db, { kind: 'buyer' });
  buyerToken = (await login(t.app, b.user.email)).token;

  const coopA = await createOrg(db, { kind: 'cooperative', townCode: 'lb-a', name: '甲镇蜂蜜合作社' });
  const coopB = await createOrg(db, { kind: 'cooperative', townCode: 'lb-b', name: '乙镇果蔬合作社' });
  honeyId = (
    await createProduct(db, {
      cooperativeId: coopA.id,
      nameZh: '百花蜜',
      nameEn: 'Wildflower honey',
      category: 'honey',
    })
  ).id;
  fruitId = (await createProduct(db, { cooperativeId: coopB.id, nameZh: '猕猴桃', category: 'fruit' })).id;

  const rows: LedgerRow[] = [
    // 2025: 100 元 in January, 300 元 in July: a quarter of last year by the end of March.
    {
      source: 'import',
      sourceRef: 'y25-1',
      kind: 'sale',
      townId,
      category: 'tea',
      amountFen: 10_000,
      businessDate: '2025-01-15',
    },
    {
      source: 'import',
      sourceRef: 'y25-2',
      kind: 'sale',
      townId,
      category: 'tea',
      amountFen: 30_000,
      businessDate: '2025-07-15',
    },
    {
      source: 'order',
      sourceRef: 'o1',
      kind: 'sale',
      townId,
      buyerOrgId: buyerId,
      productId: honeyId,
      category: 'honey',
      amountFen: 50_000,
      businessDate: '2026-02-01',
    },
    {
      source: 'order',
      sourceRef: 'o1',
      kind: 'refund',
      townId,
      buyerOrgId: buyerId,
      productId: honeyId,
      category: 'honey',
      amountFen: -5_000,
      businessDate: '2026-02-02',
    },
    {
      source: 'offline',
      sourceRef: 'f1',
      kind: 'sale',
      townId,
      category: 'tea',
      amountFen: 20_000,
      businessDate: '2026-04-01',
    },
    {
      source: 'order',
      sourceRef: 'o2',
      kind: 'sale',
      townId: town2Id,
      productId: fruitId,
      category: 'fruit',
      amountFen: 7_000,
      businessDate: '2026-03-01',
    },
  ];
  await appendSales(db, rows);
  await foldAll(db);
});
afterAll(async () => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
/** The recent-sales ids page by page at `limit` as the office, following each next cursor to the end. */
async function walkRecentSales(url: string, limit: number): Promise<{ seen: number[]; pages: number }> {
  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await get(`${url}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, bearer(officeToken));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { items: { id: number }[]; nextCursor: string | null };
    seen.push(...body.items.map((i) => i.id));
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  return { seen, pages };
}

describe('GET /api/v1/leaderboard/recent-sales', () => {
  const url = '/api/v1/leaderboard/recent-sales';
  it('401 without a token, 403 for a buyer, 400 naming the field for a bad limit', async () => {
    expect((await get(url)).statusCode).toBe(401);
    expect((await get(url, bearer(buyerToken))).statusCode).toBe(403);
    for (const bad of ['0', '51', 'x']) {
      const res = await get(`${url}?limit=${bad}`, bearer(officeToken));
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json())).toContain('limit');
    }
  });

  it('lists the latest credited platform and offline sales, newest first, with no buyer; no refunds, no imports', async () => {
    const res = await get(url, bearer(officeToken));
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Record<string, unknown>[] }).items;
    expect(items.map(({ id: _id, recordedAt: _at, townId: _town, ...rest }) => rest)).toEqual([
      {
        townNameZh: '乙镇',
        townNameEn: 'Yi',
        category: 'fruit',
        productNameZh: '猕猴桃',
        productNameEn: null,
        source: 'order',
        amountFen: 7_000,
      },
      {
        townNameZh: '甲镇',
        townNameEn: 'Jia',
        category: 'tea',
        productNameZh: null,
        productNameEn: null,
        source: 'offline',
        amountFen: 20_000,
      },
      {
        townNameZh: '甲镇',
        townNameEn: 'Jia',
        category: 'honey',
        productNameZh: '百花蜜',
        productNameEn: 'Wildflower honey',
        source: 'order',
        amountFen: 50_000,
      },
    ]);
    expect(items.map((i) => i.townId)).toEqual([town2Id, townId, townId]);
    expect(Object.keys(items[0]!)).not.toContain('buyerOrgId');
    const one = (await get(`${url}?limit=1`, bearer(officeToken))).json() as { items: { amountFen: number }[] };
    expect(one.items.map((i) => i.amountFen)).toEqual([7_000]);
    // The newest 20 hold every sale here: no older page.
    expect(res.json().nextCursor).toBeNull();
  });

  it('pages by cursor to older sales, each once; a bad or foreign cursor is a 400 naming query.cursor', async () => {
    const newest = (await get(url, bearer(officeToken))).json() as { items: { id: number }[] };
    const { seen, pages } = await walkRecentSales(url, 1);
    expect(pages).toBe(3);
    expect(seen).toEqual(newest.items.map((i) => i.id));

    const fieldOf = async (query: string) => {
      const res = await get(`${url}?${query}`, bearer(officeToken));
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf('cursor=not-a-cursor')).toBe('query.cursor');
    // Another list's cursor of one bigint key, and this list's with a key that is no number.
    const foreign = Buffer.from(JSON.stringify(['notifications', '12'])).toString('base64url');
    expect(await fieldOf(`cursor=${foreign}`)).toBe('query.cursor');
    const altered = Buffer.from(JSON.stringify(['recent-sales', '1 or 1=1'])).toString('base64url');
    expect(await fieldOf(`cursor=${altered}`)).toBe('query.cursor');
    expect(await fieldOf('limit=51')).toBe('query.limit');
    expect((await get(`${url}?cursor=${foreign}`)).statusCode).toBe(401);
  });
});

describe('GET /api/v1/leaderboard', () => {
  it('ranks towns with pacing against last year’s curve, as of the end of a day', async () => {
    const res = await get('/api/v1/leaderboard?year=2026&by=town&asOf=2026-03-31');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ year: 2026, by: 'town', asOf: '2026-03-31' });
    expect(body.rows[0]).toEqual({
      rank: 1,
      townId,
      code: 'lb-a',
      nameZh: '甲镇',
      nameEn: 'Jia',
      countyId: expect.any(String),
      countyCode: 'lb',
      countyNameZh: '测试县',
      countyNameEn: 'Test County',
      isDemo: false,
      salesFen: 45_000,
      targetFen: 3_650_000,
      progressPct: 1.23,
      expectedFen: 912_500,
      aheadFen: 45_000 - 912_500,
      projectedFen: 180_000,
      lastYearSamePeriodFen: 10_000,
      changePct: 350,
      curve: 'seasonal',
      pairedUnits: 1,
    });
    expect(body.rows[1]).toMatchObject({
      rank: 2,
      townId: town2Id,
      salesFen: 7_000,
      targetFen: 0,
      progressPct: null,
      expectedFen: 0,
      curve: 'linear',
      changePct: null,
    });
  });

  it('answers a past date the same every time, even after later sales', async () => {
    const first = await get('/api/v1/leaderboard?year=2026&asOf=2026-02-01');
    await appendSales(t.app.db, [
      {
        source: 'order',
        sourceRef: 'late',
        kind: 'sale',
        townId,
        category: 'tea',
        amountFen: 1,
        businessDate: '2026-05-01',
      },
    ]);
    await foldAll(t.app.db);
    t.app.leaderboardLive.invalidate();
    const second = await get('/api/v1/leaderboard?year=2026&asOf=2026-02-01');
    expect(second.body).toBe(first.body);
    expect(first.json().rows[0].salesFen).toBe(50_000);
  });

  it('rolls up by county, ranks buyers with pledge vs actual (names only) and categories', async () => {
    const county = (await get('/api/v1/leaderboard?year=2026&by=county&asOf=2026-03-31')).json();
    expect(county.rows).toEqual([
      expect.objectContaining({
        rank: 1,
        code: 'lb',
        towns: 2,
        salesFen: 52_000,
        targetFen: 3_650_000,
        lastYearSamePeriodFen: 10_000,
        changePct: 420,
        pairedUnits: 1,
      }),
    ]);
    const buyer = await get('/api/v1/leaderboard?year=2026&by=buyer&asOf=2026-12-31');
    expect(buyer.json().rows).toEqual([
      {
        rank: 1,
        buyerOrgId: buyerId,
        name: '测试采购单位',
        salesFen: 45_000,
        pledgeFen: 1_000_000,
        pledgeProgressPct: 4.5,
        lastYearSamePeriodFen: 0,
        changePct: null,
        towns: 1,
      },
    ]);
    // A public board: no contact data of any org.
    expect(buyer.body).not.toMatch(/contact|phone|address|creditCode|email/i);
    const cat = (await get('/api/v1/leaderboard?year=2026&by=category&asOf=2026-03-31')).json();
    expect(cat.rows).toEqual([
      { rank: 1, category: 'honey', salesFen: 45_000, lastYearSamePeriodFen: 0, changePct: null },
      { rank: 2, category: 'fruit', salesFen: 7_000, lastYearSamePeriodFen: 0, changePct: null },
      { rank: 3, category: 'tea', salesFen: 0, lastYearSamePeriodFen: 10_000, changePct: -100 },
    ]);
  });

  it('ranks products by their net platform sales, public names only, as of a day', async () => {
    const res = await get('/api/v1/leaderboard?year=2026&by=product&asOf=2026-03-31');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows).toEqual([
      {
        rank: 1,
        productId: honeyId,
        nameZh: '百花蜜',
        nameEn: 'Wildflower honey',
        category: 'honey',
        cooperativeName: '甲镇蜂蜜合作社',
        townId,
        townNameZh: '甲镇',
        townNameEn: 'Jia',
        salesFen: 45_000,
      },
      {
        rank: 2,
        productId: fruitId,
        nameZh: '猕猴桃',
        nameEn: null,
        category: 'fruit',
        cooperativeName: '乙镇果蔬合作社',
        townId: town2Id,
        townNameZh: '乙镇',
        townNameEn: 'Yi',
        salesFen: 7_000,
      },
    ]);
    expect(res.body).not.toMatch(/contact|phone|address|creditCode|email/i);
    // Before the fruit sale (1 March) only the honey counts; before any sale, nothing.
    expect((await get('/api/v1/leaderboard?year=2026&by=product&asOf=2026-02-01')).json().rows).toEqual([
      expect.objectContaining({ productId: honeyId, salesFen: 50_000 }),
    ]);
    expect((await get('/api/v1/leaderboard?year=2026&by=product&asOf=2026-01-31')).json().rows).toEqual([]);
  });

  it('serves 304 for a matching ETag (strong, weak, in a list, or *), with the validators and security headers', async () => {
    const url = '/api/v1/leaderboard?year=2026&asOf=2026-03-31';
    const first = await get(url);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(first.headers.vary).toBe('accept-encoding');
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await get(url, { 'if-none-match': inm });
      expect(again.statusCode, inm).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe('public, no-cache');
      expect(again.headers['x-content-type-options']).toBe('nosniff');
    }
    const other = await get(url, { 'if-none-match': '"not-this-one"' });
    expect(other.statusCode).toBe(200);
    expect(other.body).toBe(first.body);
    // Another board has another ETag.
    expect((await get('/api/v1/leaderboard?year=2026&asOf=2026-03-30')).headers.etag).not.toBe(etag);
  });

  it('keeps the API’s security headers on the cached board', async () => {
    const res = await get('/api/v1/leaderboard?year=2026&asOf=2026-03-31');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('sends br or gzip to clients that accept it: the same bytes once decoded, each coding its own ETag', async () => {
    const url = '/api/v1/leaderboard?year=2026&by=product&asOf=2026-03-31';
    const plain = await get(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const chrome = await get(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(chrome.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(chrome.rawPayload).equals(plain.rawPayload)).toBe(true);
    const gz = await get(url, { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(new Set([plain.headers.etag, chrome.headers.etag, gz.headers.etag]).size).toBe(3);
    expect((await get(url, { 'accept-encoding': 'identity' })).rawPayload.equals(plain.rawPayload)).toBe(true);
    // A 304 for the coding the client holds; a br ETag does not validate a gzip answer.
    expect((await get(url, { 'accept-encoding': 'br', 'if-none-match': String(chrome.headers.etag) })).statusCode).toBe(
      304,
    );
    expect(
      (await get(url, { 'accept-encoding': 'gzip', 'if-none-match': String(chrome.headers.etag) })).statusCode,
    ).toBe(200);
  });

  it('honours the q-values of Accept-Encoding', async () => {
    const url = '/api/v1/leaderboard?year=2026&by=category&asOf=2026-03-31';
    const codingFor = async (acceptEncoding: string) =>
      (await get(url, { 'accept-encoding': acceptEncoding })).headers['content-encoding'] ?? 'identity';
    expect(await codingFor('br;q=0, gzip')).toBe('gzip');
    expect(await codingFor('gzip;q=1, br;q=0.5')).toBe('gzip');
    expect(await codingFor('br;q=0.4, gzip;q=0.4')).toBe('br');
    expect(await codingFor('gzip;q=0.5, identity')).toBe('identity');
    expect(await codingFor('br;q=0, gzip;q=0')).toBe('identity');
    expect(await codingFor('deflate, zstd')).toBe('identity');
    expect(await codingFor('*')).toBe('br');
  });

  it('does not keep a board built before a change (a build in flight when the change arrives)', async () => {
    const live = t.app.leaderboardLive;
    let finish!: (v: unknown) => void;
    const first = live.cached('race', () => new Promise((r) => (finish = r)));
    live.invalidate();
    finish({ n: 1 });
    expect((await first).identity.body.toString()).toBe('{"n":1}');
    expect(live.peek('race')).toBeUndefined();
    expect((await live.cached('race', async () => ({ n: 2 }))).identity.body.toString()).toBe('{"n":2}');
    expect(live.peek('race')?.identity.body.toString()).toBe('{"n":2}');
  });

  it('keeps the boards asked most recently when more are asked than it holds', async () => {
    const live = t.app.leaderboardLive;
    const build = (n: number) => async () => ({ n });
    for (let i = 0; i < MAX_CACHE_ENTRIES; i++) await live.cached(`bound-${i}`, build(i));
    const first = live.peek('bound-0');
    expect(first?.identity.body.toString()).toBe('{"n":0}');
    await live.cached(`bound-${MAX_CACHE_ENTRIES}`, build(MAX_CACHE_ENTRIES));
    // bound-0 was asked again just now, so bound-1 is the least recently asked and the one to go.
    expect(live.peek('bound-1')).toBeUndefined();
    expect(live.peek('bound-0')).toBe(first);
    expect(live.peek('bound-2')?.identity.body.toString()).toBe('{"n":2}');
    expect(live.peek(`bound-${MAX_CACHE_ENTRIES}`)?.identity.body.toString()).toBe(`{"n":${MAX_CACHE_ENTRIES}}`);
  });

  it('builds a board once per change, however often it is asked', async () => {
    const url = '/api/v1/leaderboard?year=2026&by=county&asOf=2026-03-31';
    await get(url);
    const built = t.app.leaderboardLive.peek('2026|county|2026-03-31');
    expect(built).toBeDefined();
    for (let i = 0; i < 3; i++) expect((await get(url)).statusCode).toBe(200);
    expect(t.app.leaderboardLive.peek('2026|county|2026-03-31')).toBe(built);
    t.app.leaderboardLive.invalidate();
    await get(url);
    expect(t.app.leaderboardLive.peek('2026|county|2026-03-31')).not.toBe(built);
  });

  it('counts its requests in /metrics like every route', async () => {
    const ok = await get('/api/v1/leaderboard?year=2026&asOf=2026-03-31');
    await get('/api/v1/leaderboard?year=2026&asOf=2026-03-31', { 'if-none-match': String(ok.headers.etag) });
    const metrics = await get('/metrics', scrapeHeaders);
    expect(metrics.body).toMatch(
      /shanhai_api_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/leaderboard",status="200"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /shanhai_api_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/leaderboard",status="304"\} [1-9]/,
    );
  });

  it('400 naming the field for bad input', async () => {
    const res = await get('/api/v1/leaderboard?by=cooperative');
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('by');
    const bad = await get('/api/v1/leaderboard?asOf=2026-02-30');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('asOf');
  });

  it('drops its cache when the tally worker announces a change', async () => {
    const url = '/api/v1/leaderboard?year=2026&asOf=2026-06-30';
    const before = (await get(url)).json().rows[0].salesFen;
    await appendSales(t.app.db, [
      {
        source: 'order',
        sourceRef: 'more',
        kind: 'sale',
        townId,
        category: 'tea',
        amountFen: 100,
        businessDate: '2026-06-01',
      },
    ]);
    await foldAll(t.app.db);
    expect((await get(url)).json().rows[0].salesFen).toBe(before);
    await t.app.redis.publish(
      `${t.config.redisPrefix}:${LEADERBOARD_CHANNEL}`,
      JSON.stringify({ version: 7, townIds: [townId], at: new Date().toISOString() }),
    );
    let now = before;
    for (let i = 0; i < 100 && now === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      now = (await get(url)).json().rows[0].salesFen;
    }
    expect(now).toBe(before + 100);
  });
});

describe('GET /api/v1/leaderboard/stream', () => {
  it('relays a change as an SSE event, and a reconnect with an old Last-Event-ID catches up at once', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const open = (headers: Record<string, string>) =>
      new Promise<{ chunks: string[]; close: () => void; status: number; type: string }>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/leaderboard/stream', headers }, (res) => {
          const chunks: string[] = [];
          res.on('data', (d: Buffer) => chunks.push(d.toString()));
          resolve({
            chunks,
            close: () => req.destroy(),
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
          });
        });
        req.end();
      });
    const waitFor = async (chunks: string[], re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(chunks.join('')); i++) await new Promise((r) => setTimeout(r, 10));
      return chunks.join('');
    };
    const s = await open({});
    expect(s.status).toBe(200);
    expect(s.type).toMatch(/^text\/event-stream/);
    await waitFor(s.chunks, /event: hello/);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: scrapeHeaders })).body).toMatch(
      /^shanhai_api_sse_clients 1$/m,
    );
    await t.app.redis.set(`${t.config.redisPrefix}:leaderboard:version`, '41');
    await t.app.redis.publish(
      `${t.config.redisPrefix}:${LEADERBOARD_CHANNEL}`,
      JSON.stringify({ version: 42, townIds: [townId], at: '2026-03-01T00:00:00.000Z' }),
    );
    const text = await waitFor(s.chunks, /id: 42/);
    expect(text).toContain(
      `id: 42\nevent: changed\ndata: {"version":42,"townIds":["${townId}"],"at":"2026-03-01T00:00:00.000Z"}\n\n`,
    );
    s.close();
    await t.app.redis.set(`${t.config.redisPrefix}:leaderboard:version`, '45');
    const r = await open({ 'last-event-id': '42' });
    expect(await waitFor(r.chunks, /id: 45\nevent: changed/)).toMatch(/id: 45\nevent: changed/);
    r.close();
  });
});

describe('GET /api/v1/towns/:id/dashboard', () => {
  it('gives monthly this year vs last, top buyers and categories, and the source split', async () => {
    const res = await get(`/api/v1/towns/${townId}/dashboard?year=2026`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.months[0]).toEqual({ month: 1, thisYearFen: 0, lastYearFen: 10_000 });
    expect(d.months[1]).toEqual({ month: 2, thisYearFen: 45_000, lastYearFen: 0 });
    expect(d.months[6]).toEqual({ month: 7, thisYearFen: 0, lastYearFen: 30_000 });
    // Anonymous: who bought is public, how much is not.
    expect(d.topBuyers).toEqual([{ buyerOrgId: buyerId, name: '测试采购单位', salesFen: null }]);
    expect(d.share).toEqual({ orderFen: 45_101, offlineFen: 20_000, importFen: 0 });
    expect(d.topProducts).toEqual([
      {
        rank: 1,
        productId: honeyId,
        nameZh: '百花蜜',
        nameEn: 'Wildflower honey',
        category: 'honey',
        cooperativeName: '甲镇蜂蜜合作社',
        salesFen: 45_000,
      },
    ]);
    expect((await get(`/api/v1/towns/${town2Id}/dashboard?year=2026`)).json().topProducts).toEqual([
      expect.objectContaining({ productId: fruitId, salesFen: 7_000 }),
    ]);
  });
  it('per-buyer amounts: the office sees them, a buyer its own row only, another buyer none', async () => {
    const url = `/api/v1/towns/${townId}/dashboard?year=2026`;
    const amounts = async (headers: Record<string, string>) =>
      ((await get(url, headers)).json().topBuyers as { salesFen: number | null }[]).map((b) => b.salesFen);
    expect(await amounts(bearer(officeToken))).toEqual([45_000]);
    const own = await createUser(t.app.db, { orgId: buyerId, role: 'member' });
    expect(await amounts(bearer((await login(t.app, own.email)).token))).toEqual([45_000]);
    const other = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    expect(await amounts(bearer((await login(t.app, other.user.email)).token))).toEqual([null]);
    // A bad token is refused, not treated as anonymous.
    expect((await get(url, bearer('not-a-token'))).statusCode).toBe(401);
  });

  it('404 for an unknown town, 400 for a bad id', async () => {
    expect((await get(`/api/v1/towns/${crypto.randomUUID()}/dashboard`)).statusCode).toBe(404);
    expect((await get('/api/v1/towns/nope/dashboard')).statusCode).toBe(400);
  });
});

describe('tallies status and reconcile (office console)', () => {
  it('401 without a token, 403 for a buyer, 200/202 for office staff', async () => {
    expect((await get('/api/v1/tallies/status')).statusCode).toBe(401);
    expect((await get('/api/v1/tallies/status', bearer(buyerToken))).statusCode).toBe(403);
    const ok = await get('/api/v1/tallies/status', bearer(officeToken));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ untallied: 0, lastReconcile: null });
    const post = await t.app.inject({ method: 'POST', url: '/api/v1/tallies/reconcile', headers: bearer(officeToken) });
    expect(post.statusCode).toBe(202);
    expect(post.json()).toEqual({ queued: true });
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/tallies/reconcile', headers: bearer(buyerToken) }))
        .statusCode,
    ).toBe(403);
  });
});

describe('the partner leaderboard, year on year', () => {
  it('each unit’s same period last year (refunds included) and the change; a unit that bought only last year shows −100%', async () => {
    const own = await createTestApp({ template: 'empty' });
    try {
      const db = own.app.db;
      const [county] = await db
        .insert(schema.counties)
        .values({ code: 'yy', nameZh: '同比县', nameEn: 'YoY County' })
        .returning();
      const [town] = await db
        .insert(schema.towns)
        .values({ code: 'yy-a', countyId: county!.id, nameZh: '同比镇', nameEn: 'Tongbi' })
        .returning();
      const a = await createOrg(db, { kind: 'buyer', name: 'A 单位' });
      const b = await createOrg(db, { kind: 'buyer', name: 'B 单位' });
      const row = (ref: string, buyerOrgId: string, amountFen: number, businessDate: string): LedgerRow => ({
        source: 'offline',
        sourceRef: ref,
        kind: amountFen < 0 ? 'refund' : 'sale',
        townId: town!.id,
        buyerOrgId,
        category: 'tea',
        amountFen,
        businessDate,
      });
      await appendSales(db, [
        row('a1', a.id, 20_000, '2025-03-01'),
        row('a2', a.id, -5_000, '2025-04-01'),
        row('a3', a.id, 50_000, '2025-09-01'), // after the same period: not compared
        row('a4', a.id, 30_000, '2026-03-01'),
        row('b1', b.id, 10_000, '2025-02-01'),
      ]);
      await foldAll(db);
      const board = (
        await own.app.inject({ method: 'GET', url: '/api/v1/leaderboard?year=2026&by=buyer&asOf=2026-06-30' })
      ).json();
      expect(
        board.rows.map((r: Record<string, unknown>) => [
          r.name,
          r.salesFen,
          r.lastYearSamePeriodFen,
          r.changePct,
          r.towns,
        ]),
      ).toEqual([
        ['A 单位', 30_000, 15_000, 100, 1],
        ['B 单位', 0, 10_000, -100, 0],
      ]);
      // Through the whole year, last year's September counts too: 65,000 → 30,000 is −53.85%.
      const year = (
        await own.app.inject({ method: 'GET', url: '/api/v1/leaderboard?year=2026&by=buyer&asOf=2026-12-31' })
      ).json();
      expect(year.rows[0]).toMatchObject({ lastYearSamePeriodFen: 65_000, changePct: -53.85 });
      // Asked before the year began: nothing of the year yet, and no same period to compare.
      const early = (
        await own.app.inject({ method: 'GET', url: '/api/v1/leaderboard?year=2026&by=buyer&asOf=2025-12-31' })
      ).json();
      expect(
        early.rows.every(
          (r: { lastYearSamePeriodFen: number; changePct: null }) =>
            r.lastYearSamePeriodFen === 0 && r.changePct === null,
        ),
      ).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe('the ticker walked past its newest page (issue 13)', () => {
  it('reads every credited sale once, newest first, 50 a page, then a last page with no cursor', async () => {
    // 118 more credited sales of an old year (a wall only shows the newest; the walk reaches them all).
    await appendSales(
      t.app.db,
      Array.from({ length: 118 }, (_, i) => ({
        source: 'offline' as const,
        sourceRef: `walk-${i}`,
        kind: 'sale' as const,
        townId: town2Id,
        category: 'fruit' as const,
        amountFen: 100 + i,
        businessDate: '2019-05-01',
      })),
    );
    await foldAll(t.app.db);
    const expected = (
      await t.app.db.execute<{ id: string }>(sql`
        select id from sales where source in ('order', 'offline') and kind = 'sale' and amount_fen > 0
          and tallied_at is not null order by id desc`)
    ).rows.map((r) => Number(r.id));
    expect(expected.length).toBeGreaterThan(120);
    const url = '/api/v1/leaderboard/recent-sales';
    const first = (await get(url, bearer(officeToken))).json() as { items: { id: number }[]; nextCursor: string };
    expect(first.items.map((i) => i.id)).toEqual(expected.slice(0, 20));
    const { seen, pages } = await walkRecentSales(url, 50);
    expect(pages).toBe(Math.ceil(expected.length / 50));
    expect(seen).toEqual(expected);
  });
});
