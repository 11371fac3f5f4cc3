import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/testing';

/** Public reads a client can vary to miss the caches share one per-IP budget (issue 13). */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ config: { publicQueryLimit: { max: 3, windowMs: 60_000 } } });
});
afterAll(() => t.close());

const get = (url: string, ip = '203.0.113.7') => t.app.inject({ method: 'GET', url, remoteAddress: ip });

describe('per-IP limit on varied public queries', () => {
  it('past boards and searches have a per-IP budget; past it 429 problem with retry-after; today’s board and other addresses go on', async () => {
    for (const q of ['asOf=2026-01-31', 'year=2025', 'asOf=2026-02-01'])
      expect((await get(`/api/v1/leaderboard?${q}`)).statusCode).toBe(200);
    const limited = await get('/api/v1/leaderboard?asOf=2026-02-28');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    for (const q of ['q=蜂蜜', 'category=honey', 'q=fengmi'])
      expect((await get(`/api/v1/products?${q}`)).statusCode).toBe(200);
    expect((await get('/api/v1/products?q=鸽子')).statusCode).toBe(429);
    // The cacheable default answers are never limited: wall screens behind one address keep working.
    for (let i = 0; i < 5; i++) {
      expect((await get('/api/v1/leaderboard')).statusCode).toBe(200);
      expect((await get('/api/v1/products')).statusCode).toBe(200);
    }
    expect((await get('/api/v1/leaderboard?asOf=2026-02-28', '198.51.100.9')).statusCode).toBe(200);
    // The counters live in Redis (shared by replicas), under this deployment's prefix.
    expect((await t.app.redis.keys(`${t.config.redisPrefix}:rl:*public-query:203.0.113.7`)).length).toBe(2);
  });
});
