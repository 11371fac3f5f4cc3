import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { appendSales, schema, tallyDrift, type LedgerRow } from '@shanhai/db';
import { useTestDatabase } from '@shanhai/db/testing';
import { startRedis } from '@shanhai/devstack';
import { QUEUES } from '@shanhai/domain';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime } from '@shanhai/worker/runtime';

const root = fileURLToPath(new URL('../..', import.meta.url));
const handle = useTestDatabase('demo', { max: 4 });
let townIds: string[];
beforeAll(async () => {
  townIds = (await handle.db.select({ id: schema.towns.id }).from(schema.towns)).map((t) => t.id).slice(0, 3);
});

let seq = 0;
function rows(n: number): LedgerRow[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'order' as const,
    sourceRef: `rel-${++seq}`,
    kind: 'sale',
    townId: townIds[i % townIds.length]!,
    category: 'fruit' as const,
    amountFen: 100 + (i % 13),
    businessDate: '2026-03-0' + ((i % 9) + 1),
  }));
}
async function untallied() {
  const r = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from sales where tallied_at is null`);
  return r.rows[0]!.n;
}
async function until(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** Every town tally equals its ledger sum, computed independently here. */
async function expectTalliesEqualLedger() {
  expect(await tallyDrift(handle.db)).toBe(0);
  const ledger = await handle.db.execute<{ town_id: string; y: number; s: number }>(
    sql`select town_id, extract(year from business_date)::int as y, sum(amount_fen)::bigint as s from sales group by 1, 2 order by 1, 2`,
  );
  const tallies = await handle.db.select().from(schema.townTallies);
  for (const l of ledger.rows) {
    expect(tallies.find((t) => t.townId === l.town_id && t.year === l.y)?.amountFen).toBe(Number(l.s));
  }
}

/**
 * Folds the untallied rows in a child process, in batches of 2,000, and SIGKILLs it once it has
 * folded its first batch but not committed it; returns when PostgreSQL has rolled the dead
 * connection's transaction back (so nothing of that batch was tallied).
 */
async function killFoldMidBatch() {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), 'tests/reliability/support/fold-child.ts'],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: handle.database.url, BATCH: '2000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await until(async () => /FOLDED 2000/.test(out));
  child.kill('SIGKILL');
  await exited;
  await until(
    async () =>
      (
        await handle.db.execute<{ n: number }>(
          sql`select count(*)::int as n from pg_stat_activity where application_name = 'shanhai' and state like 'idle in transaction%'`,
        )
      ).rows[0]!.n === 0,
  );
}

function config(redisUrl: string) {
  return {
    databaseUrl: handle.database.url,
    databasePoolMax: 4,
    redisUrl,
    redisPrefix: `t${randomBytes(4).toString('hex')}`,
    logLevel: 'silent',
    concurrency: 2,
  };
}

describe('tally reliability', () => {
  it('a worker SIGKILLed in the middle of a batch changes no total; after a restart every row is tallied once', async () => {
    const before = await handle.db
      .select()
      .from(schema.townTallies)
      .orderBy(schema.townTallies.townId, schema.townTallies.year);
    await appendSales(handle.db, rows(3000));
    await killFoldMidBatch();
    expect(await untallied()).toBe(3000);
    expect(
      await handle.db.select().from(schema.townTallies).orderBy(schema.townTallies.townId, schema.townTallies.year),
    ).toEqual(before);

    const runtime = await startRuntime(config(inject('redisUrl')), createLogger('silent'));
    try {
      // The sweep (or the restart's first tick) picks the rows up without any enqueue.
      await until(async () => (await untallied()) === 0);
      await expectTalliesEqualLedger();
    } finally {
      await runtime.close();
    }
  });

  // Waits for the worker's reconnect and sweep (no timing is asserted). The test's time is longer
  // than its waits' own 30 s, so a sweep that never comes fails with their message, not a timeout.
  it('Redis stopped while a purchase is paid: the ledger row exists, and once Redis is back the sweep tallies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shanhai-redis-'));
    let redis = await startRedis({ dir, persistent: true });
    const cfg = config(redis.url);
    const runtime = await startRuntime(cfg, createLogger('silent'));
    const producer = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    producer.on('error', () => undefined);
    const queue = new Queue(QUEUES.tally, { connection: producer, prefix: `${cfg.redisPrefix}:bull` });
    queue.on('error', () => undefined);
    try {
      // The api's queues are up before Redis goes (it enqueues only on a ready connection): a
      // queue still connecting when Redis stops waits for it to return, and this test with it.
      await queue.waitUntilReady();
      await until(async () => (await untallied()) === 0);
      await redis.stop();
      // What markPaid does: append the ledger rows in its transaction, then try to enqueue.
      const [row] = rows(1);
      const ids = await handle.db.transaction((tx) => appendSales(tx, [row!]));
      expect(ids).toHaveLength(1);
      await expect(queue.add('ledger-commit', { reason: 'ledger-commit' })).rejects.toThrow();
      const [stored] = await handle.db
        .select()
        .from(schema.sales)
        .where(sql`${schema.sales.id} = ${ids[0]}`);
      expect(stored).toMatchObject({ sourceRef: row!.sourceRef, amountFen: row!.amountFen, talliedAt: null });

      redis = await startRedis({ dir, port: redis.port, persistent: true });
      await until(async () => (await untallied()) === 0);
      await expectTalliesEqualLedger();
    } finally {
      await queue.close().catch(() => undefined);
      producer.disconnect();
      await runtime.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('campaign attribution through a worker kill: nothing attributed by the dead batch, each row once after the restart', async () => {
    // Two overlapping campaigns over an April no demo sale or other test's row falls in.
    const [wide, narrow] = await handle.db
      .insert(schema.campaigns)
      .values([
        { nameZh: '四月', nameEn: 'April', startsOn: '2031-04-01', endsOn: '2031-04-30' },
        {
          nameZh: '两镇',
          nameEn: 'Two towns',
          startsOn: '2031-04-05',
          endsOn: '2031-04-09',
          townIds: townIds.slice(0, 2),
        },
      ])
      .returning();
    const april = rows(2500).map((r, i) => ({ ...r, businessDate: `2031-04-0${(i % 9) + 1}` }));
    await appendSales(handle.db, april);
    await killFoldMidBatch();
    expect(await untallied()).toBe(2500);
    const mine = sql`campaign_id in (${wide!.id}, ${narrow!.id})`;
    expect(
      (
        await handle.db.execute(
          sql`select 1 from campaign_sales where ${mine} union all select 1 from campaign_town_tallies where ${mine}`,
        )
      ).rows,
    ).toEqual([]);

    const runtime = await startRuntime(config(inject('redisUrl')), createLogger('silent'));
    try {
      await until(async () => (await untallied()) === 0);
    } finally {
      await runtime.close();
    }
    // Each campaign's total is the sum of the rows it holds, computed here from the rows.
    const sum = (xs: LedgerRow[]) => xs.reduce((s, r) => s + r.amountFen, 0);
    const inNarrow = april.filter((r) => r.businessDate >= '2031-04-05' && townIds.slice(0, 2).includes(r.townId));
    const totals = await handle.db.execute<{ campaign_id: string; s: string; n: number }>(
      sql`select campaign_id, sum(amount_fen)::text as s, sum(row_count)::int as n from campaign_town_tallies where ${mine} group by 1`,
    );
    const byId = Object.fromEntries(totals.rows.map((r) => [r.campaign_id, { fen: Number(r.s), rows: r.n }]));
    expect(byId[wide!.id]).toEqual({ fen: sum(april), rows: 2500 });
    expect(byId[narrow!.id]).toEqual({ fen: sum(inNarrow), rows: inNarrow.length });
    await expectTalliesEqualLedger();
  });
});
