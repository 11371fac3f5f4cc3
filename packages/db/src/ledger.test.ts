import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq, like } from 'drizzle-orm';
import { createDb, type DbHandle } from './client';
import { appendSales, untalliedCount, type LedgerRow } from './ledger';
import { sales } from './schema/sales';
import { towns } from './schema/regions';
import { createTestDatabase, type TestDatabase } from '../test-support/testing';

let database: TestDatabase;
let h: DbHandle;
let row: LedgerRow;
beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'demo');
  h = createDb(database.url, { max: 3 });
  const [dakun] = await h.db.select().from(towns).where(eq(towns.code, 'dakun'));
  row = {
    source: 'offline',
    sourceRef: 'rec-1',
    kind: 'sale',
    townId: dakun!.id,
    category: 'poultry',
    amountFen: 123_456,
    businessDate: '2026-03-01',
  };
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

describe('sales ledger', () => {
  it('appends a row once: a replay of the same (source, sourceRef, kind) adds nothing', async () => {
    expect(await appendSales(h.db, [row])).toHaveLength(1);
    expect(await appendSales(h.db, [row])).toEqual([]);
    const [a, b] = await Promise.all([
      appendSales(h.db, [{ ...row, sourceRef: 'rec-2' }]),
      appendSales(h.db, [{ ...row, sourceRef: 'rec-2' }]),
    ]);
    expect(a!.length + b!.length).toBe(1);
    expect(await h.db.$count(sales, like(sales.sourceRef, 'rec-%'))).toBe(2);
    expect(await untalliedCount(h.db)).toBe(2);
  });

  it('a reversal is a new negative row, not an update', async () => {
    expect(await appendSales(h.db, [{ ...row, kind: 'reversal', amountFen: -123_456 }])).toHaveLength(1);
  });

  it('refuses to update or delete a ledger row (append-only, enforced by the database)', async () => {
    await expect(h.db.update(sales).set({ amountFen: 1 }).where(eq(sales.sourceRef, 'rec-1'))).rejects.toThrow();
    await expect(h.db.delete(sales).where(eq(sales.sourceRef, 'rec-1'))).rejects.toThrow();
    const rows = await h.db.select().from(sales).where(eq(sales.sourceRef, 'rec-1'));
    expect(rows.map((r) => r.amountFen).sort()).toEqual([-123_456, 123_456]);
  });

  it('tallied_at may be set once, never changed or cleared', async () => {
    const now = new Date();
    await h.db.update(sales).set({ talliedAt: now }).where(eq(sales.sourceRef, 'rec-2'));
    await expect(
      h.db
        .update(sales)
        .set({ talliedAt: new Date(now.getTime() + 1000) })
        .where(eq(sales.sourceRef, 'rec-2')),
    ).rejects.toThrow();
    await expect(h.db.update(sales).set({ talliedAt: null }).where(eq(sales.sourceRef, 'rec-2'))).rejects.toThrow();
  });

  it('refuses amounts that are not safe integers of fen', async () => {
    await expect(appendSales(h.db, [{ ...row, sourceRef: 'x', amountFen: 1.5 }])).rejects.toThrow(RangeError);
  });
});
