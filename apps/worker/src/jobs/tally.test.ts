import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { eq, sql } from 'drizzle-orm';
import { appendSales, schema, tallyDrift, type LedgerRow } from '@shanhai/db';
import { createOrg, createUser, useTestDatabase } from '@shanhai/db/testing';
import { LEADERBOARD_CHANNEL } from '@shanhai/domain';
import { createLogger } from '../log';
import { testRedisPrefix, twoTownsWithProducts } from '../../test-support/testing';
import { processReconcile, processTally } from './tally';

const handle = useTestDatabase('empty', { max: 6 });
let redis: Redis;
let prefix: string;
let townA: string;
let townB: string;
let buyer: string;
/** One product per town: order rows name them, so the product tally folds too. */
let productA: string;
let productB: string;
const log = createLogger('silent');

beforeAll(async () => {
  prefix = testRedisPrefix();
  redis = new Redis(inject('redisUrl'));
  ({ townA, townB, buyer, productA, productB } = await twoTownsWithProducts(handle.db));
});
afterAll(() => redis.disconnect());

let seq = 0;
function rows(n: number): LedgerRow[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'order' as const,
    sourceRef: `line-${++seq}`,
    kind: i % 7 === 0 ? 'refund' : 'sale',
    townId: i % 2 ? townA : townB,
    buyerOrgId: i % 3 ? buyer : null,
    productId: i % 4 === 0 ? null : i % 2 ? productA : productB,
    category: i % 2 ? ('honey' as const) : ('tea' as const),
    amountFen: i % 7 === 0 ? -(100 + i) : 1000 + i,
    businessDate: i % 5 === 0 ? '2025-12-31' : '2026-01-0' + ((i % 9) + 1),
  }));
}

async function townTotal(townId: string, year: number) {
  const [r] = await handle.db
    .select()
    .from(schema.townTallies)
    .where(sql`${schema.townTallies.townId} = ${townId} and ${schema.townTallies.year} = ${year}`);
  return r?.amountFen ?? 0;
}
async function ledgerTotal(townId: string, year: number) {
  const r = await handle.db.execute<{ s: number }>(
    sql`select coalesce(sum(amount_fen), 0)::bigint as s from sales where town_id = ${townId} and extract(year from business_date) = ${year}`,
  );
  return Number(r.rows[0]!.s);
}

describe('tally job', () => {
  it('folds each row exactly once through duplicate and concurrent jobs', async () => {
    await appendSales(handle.db, rows(1000));
    const deps = { db: handle.db, redis: null, prefix, log, batchSize: 97 };
    // The same job delivered three times, two of them at once.
    const results = await Promise.all([
      processTally(deps, { id: 'a', data: { reason: 'ledger-commit' } }),
      processTally(deps, { id: 'a', data: { reason: 'ledger-commit' } }),
    ]);
    const again = await processTally(deps, { id: 'a', data: { reason: 'ledger-commit' } });
    expect(results[0].rows + results[1].rows).toBe(1000);
    expect(again.rows).toBe(0);
    expect(await tallyDrift(handle.db)).toBe(0);
    for (const t of [townA, townB])
      for (const y of [2025, 2026]) expect(await townTotal(t, y)).toBe(await ledgerTotal(t, y));
    const products = await handle.db.execute<{ product_id: string; s: number }>(
      sql`select product_id, sum(amount_fen)::bigint as s from product_daily_sales group by 1 order by 1`,
    );
    const ledgerProducts = await handle.db.execute<{ product_id: string; s: number }>(
      sql`select product_id, sum(amount_fen)::bigint as s from sales where product_id is not null group by 1 order by 1`,
    );
    expect(products.rows).toHaveLength(2);
    expect(products.rows).toEqual(ledgerProducts.rows);
    const [{ n } = { n: -1 }] = (
      await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from sales where tallied_at is null`)
    ).rows;
    expect(n).toBe(0);
  });

  it('publishes a change after each batch', async () => {
    const sub = redis.duplicate();
    const got: string[] = [];
    await sub.subscribe(`${prefix}:${LEADERBOARD_CHANNEL}`);
    sub.on('message', (_c, m) => got.push(m));
    await appendSales(handle.db, rows(10));
    const r = await processTally({ db: handle.db, redis, prefix, log }, { id: 'b', data: { reason: 'sweep' } });
    expect(r.rows).toBe(10);
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    sub.disconnect();
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!)).toEqual({
      version: 1,
      townIds: expect.arrayContaining([townA, townB]),
      at: expect.any(String),
    });
  });

  it('fails a malformed payload for good', async () => {
    await expect(
      processTally({ db: handle.db, redis: null, prefix, log }, { id: 'x', data: { reason: 'because' } }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(
      processReconcile({ db: handle.db, redis: null, prefix, log }, { id: 'x', data: {} }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('reconcile job', () => {
  it('reports no drift on healthy tallies, then finds, records and repairs drift, and tells the office once', async () => {
    const deps = { db: handle.db, redis: null, prefix, log };
    const office = await createOrg(handle.db, { kind: 'office' });
    const owner = await createUser(handle.db, { orgId: office.id, role: 'owner' });
    const manager = await createUser(handle.db, { orgId: office.id, role: 'manager' });
    await createUser(handle.db, { orgId: office.id, role: 'member' });
    const driftNotices = () =>
      handle.db
        .select({ userId: schema.notifications.userId, params: schema.notifications.params })
        .from(schema.notifications)
        .where(eq(schema.notifications.kind, 'tally.drift'));
    await processTally(deps, { id: 't', data: { reason: 'manual' } });
    const clean = await processReconcile(deps, { id: 'r1', data: { trigger: 'manual' } });
    expect(clean.driftRows).toBe(0);

    const before = await townTotal(townA, 2026);
    await handle.db
      .update(schema.townTallies)
      .set({ amountFen: sql`${schema.townTallies.amountFen} + 1` })
      .where(eq(schema.townTallies.townId, townA));
    await handle.db.delete(schema.dailyTownSales).where(eq(schema.dailyTownSales.townId, townB));
    const drift = await processReconcile(deps, { id: 'r2', data: { trigger: 'manual' } });
    expect(drift.driftRows).toBeGreaterThan(2);
    expect(drift.details).toContainEqual({
      table: 'town_tallies',
      key: `${townA}/2026`,
      expected: before,
      found: before + 1,
    });
    expect(await tallyDrift(handle.db)).toBe(0);
    expect(await townTotal(townA, 2026)).toBe(before);
    const runs = await handle.db
      .select()
      .from(schema.tallyReconciliations)
      .orderBy(schema.tallyReconciliations.finishedAt);
    expect(runs.map((r) => r.driftRows > 0)).toEqual([false, true]);
    // The office's deciders (owner, manager) are told of the drifted run, with its count; a clean
    // run after the repair tells nobody again.
    const told = await driftNotices();
    expect(told.map((n) => n.userId).sort()).toEqual([owner.id, manager.id].sort());
    expect(told[0]!.params).toEqual({ rows: drift.driftRows });
    expect((await processReconcile(deps, { id: 'r2b', data: { trigger: 'manual' } })).driftRows).toBe(0);
    expect(await driftNotices()).toHaveLength(2);
  });

  it('restores every tally after they and Redis were wiped', async () => {
    const deps = { db: handle.db, redis, prefix, log };
    await appendSales(handle.db, rows(50));
    await processTally(deps, { id: 't2', data: { reason: 'manual' } });
    // Our deployment's Redis data gone (its own prefix: the run's Redis is shared by test files).
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    for (const t of [
      schema.townTallies,
      schema.dailyTownSales,
      schema.partnerTallies,
      schema.partnerDailySales,
      schema.categoryDailySales,
      schema.productDailySales,
    ])
      await handle.db.delete(t);
    const r = await processReconcile(deps, { id: 'r3', data: { trigger: 'manual' } });
    expect(r.driftRows).toBeGreaterThan(0);
    expect(await tallyDrift(handle.db)).toBe(0);
    for (const t of [townA, townB])
      for (const y of [2025, 2026]) expect(await townTotal(t, y)).toBe(await ledgerTotal(t, y));
  });
});
