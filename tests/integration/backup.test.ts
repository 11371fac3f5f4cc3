import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { buildApp } from '@shanhai/api/app';
import { bearer, DEMO_PASSWORD, login, multipartBody, testConfig, TINY_PNG } from '../../apps/api/test-support/testing';
import { createDb, foldAll, reconcileTallies, runMigrations, type DbHandle } from '@shanhai/db';
import { seedDemo } from '@shanhai/db/seed';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { ensureDatabase, postgresToolsDir, startPostgres, type RunningPostgres } from '@shanhai/devstack';

/**
 * docs/operations.md's backup and restore, run for real: `pg_dump` of a database with every kind of
 * fact in it (the demo world, a paid purchase, an uploaded photo, folded tallies), `pg_restore` into
 * a fresh database, and the reconcile finds no drift there. pg_dump refuses a server newer than
 * itself, so the test runs its own PostgreSQL from the same installation as the tools (Debian's
 * postgresql-15 on CI; PG_BIN_DIR elsewhere), which also proves the schema on the oldest
 * PostgreSQL we support.
 */
const binDir = postgresToolsDir();
const dir = mkdtempSync(join(tmpdir(), 'shanhai-backup-'));
let pg: RunningPostgres;
let sourceUrl: string;
let source: DbHandle;
let app: FastifyInstance;

beforeAll(async () => {
  // PostgreSQL runs as the unprivileged `postgres` user when we are root: it must reach the folder.
  chmodSync(dir, 0o755);
  pg = await startPostgres({ dataDir: join(dir, 'pg'), persistent: false, logFile: join(dir, 'pg.log'), binDir });
  sourceUrl = await ensureDatabase(pg.url, 'shanhai');
  await runMigrations(sourceUrl);
  source = createDb(sourceUrl, { max: 4 });
  await seedDemo(source.db);
  app = await buildApp(testConfig(sourceUrl), { logger: false });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await source?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What must survive the round trip, read the same way from both databases. */
async function facts(db: DbHandle['db']) {
  const q = async <T extends Record<string, unknown>>(s: string) => (await db.execute<T>(sql.raw(s))).rows;
  const tables = await q<{ t: string }>(
    `select table_schema || '.' || table_name as t from information_schema.tables
      where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE' order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { t } of tables) counts[t] = (await q<{ n: number }>(`select count(*)::int as n from ${t}`))[0]!.n;
  const [ledger] = await q<{ s: string }>(`select coalesce(sum(amount_fen), 0)::text as s from sales`);
  const [stock] = await q<{ s: string }>(`select sum(stock)::text as s from products`);
  const blobs = await q<{ sha256: string; data: Buffer }>(`select sha256, data from file_blobs order by 1`);
  return {
    counts,
    ledgerFen: ledger!.s,
    stock: stock!.s,
    blobs: blobs.map((b) => ({ sha256: b.sha256, bytesHash: createHash('sha256').update(b.data).digest('hex') })),
  };
}

describe('backup and restore with pg_dump / pg_restore', () => {
  it('restores into a fresh database with every fact, and the reconcile reports zero drift', async () => {
    // A paid purchase (ledger rows, journal of orders and payments) and an uploaded photo.
    const coop = await createOrgWithUser(source.db, { kind: 'cooperative', townCode: 'dakun' });
    const product = await createProduct(source.db, {
      cooperativeId: coop.org.id,
      stock: 40,
      priceTiers: [{ minQty: 1, unitPriceFen: 8_800 }],
    });
    const buyer = await login(app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    const office = await login(app, 'office@demo.shanhai', DEMO_PASSWORD);
    const placed = await app.inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers: { ...bearer(buyer.token), 'idempotency-key': 'backup-test-1' },
      payload: { paymentMethod: 'transfer', lines: [{ productId: product.id, qty: 3 }] },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const purchase = placed.json<{ id: string; totalFen: number }>();
    const confirmed = await app.inject({
      method: 'POST',
      url: `/api/v1/payments/${purchase.id}/confirm-transfer`,
      headers: bearer(office.token),
      payload: { amountFen: purchase.totalFen },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const coopSession = await login(app, coop.user.email);
    const body = multipartBody({}, { name: 'p.png', bytes: TINY_PNG, type: 'image/png' });
    const photo = await app.inject({
      method: 'POST',
      url: '/api/v1/products/photos',
      headers: { ...bearer(coopSession.token), ...body.headers },
      payload: body.payload,
    });
    expect(photo.statusCode, photo.body).toBe(201);
    await foldAll(source.db);
    const before = await facts(source.db);
    expect(before.counts['public.sales']).toBeGreaterThan(0);
    expect(before.blobs).toHaveLength(1);

    // The commands of docs/operations.md, with this installation's tools.
    const dump = join(dir, 'shanhai.dump');
    execFileSync(join(binDir, 'pg_dump'), ['--format=custom', `--file=${dump}`, `--dbname=${sourceUrl}`]);
    const restoredUrl = await ensureDatabase(pg.url, 'restored');
    execFileSync(join(binDir, 'pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl}`, dump]);

    const restored = createDb(restoredUrl, { max: 2 });
    try {
      expect(await facts(restored.db)).toEqual(before);
      const reconcile = await reconcileTallies(restored.db, { repair: false });
      expect(reconcile).toMatchObject({ driftRows: 0, ledgerRows: before.counts['public.sales'] });
      // The migration journal came along: the restored database is at this version, not re-migrated.
      await runMigrations(restoredUrl);
      expect((await facts(restored.db)).counts).toEqual(before.counts);
    } finally {
      await restored.close();
    }

    // An api on the restored database serves the same board, the photo, and a login.
    const again = await buildApp(testConfig(restoredUrl), { logger: false });
    try {
      const board = (a: FastifyInstance) => a.inject({ method: 'GET', url: '/api/v1/leaderboard?by=town' });
      expect((await board(again)).json()).toEqual((await board(app)).json());
      const media = await again.inject({ method: 'GET', url: photo.json<{ url: string }>().url });
      expect(media.statusCode).toBe(200);
      expect(media.rawPayload.equals(TINY_PNG)).toBe(true);
      await login(again, 'buyer@demo.shanhai', DEMO_PASSWORD);
    } finally {
      await again.close();
    }
  });
});
