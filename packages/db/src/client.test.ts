import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, transactionWithFinal, type DbHandle } from './client';
import { createTestDatabase, type TestDatabase } from '../test-support/testing';

let database: TestDatabase;
let h: DbHandle;
beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'empty');
  // One connection: a transaction left open or a connection left broken would show at once.
  h = createDb(database.url, { max: 1 });
  await h.db.execute(sql`create table notes (id int primary key, body text not null)`);
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

const count = async () => (await h.db.execute<{ n: number }>(sql`select count(*)::int as n from notes`)).rows[0]!.n;

describe('transactionWithFinal', () => {
  it('commits the work and its final statement together', async () => {
    const value = await transactionWithFinal(h.db, async (tx) => {
      await tx.execute(sql`insert into notes values (1, 'first')`);
      return { value: 'done', final: { query: sql`update notes set body = 'final' where id = 1` } };
    });
    expect(value).toBe('done');
    expect((await h.db.execute(sql`select body from notes where id = 1`)).rows).toEqual([{ body: 'final' }]);
  });

  it('a failing final statement rolls everything back and throws what onError makes of it', async () => {
    const before = await count();
    await expect(
      transactionWithFinal(h.db, async (tx) => {
        await tx.execute(sql`insert into notes values (2, 'second')`);
        return {
          value: 1,
          final: { query: sql`select 1 / 0`, onError: (e) => new Error(`mapped: ${(e as { code: string }).code}`) },
        };
      }),
    ).rejects.toThrow('mapped: 22012');
    // (On the pool's only connection: left in an aborted transaction, this would fail.)
    expect(await count()).toBe(before);
  });

  it('a write before the final statement runs before it starts, and commits with it', async () => {
    await transactionWithFinal(h.db, async (tx) => {
      await tx.execute(sql`insert into notes values (50, 'fiftieth')`);
      return {
        value: null,
        final: {
          // Its setting is what the final statement reads: divided by zero unless it ran first.
          before: sql`update notes set body = set_config('shanhai.test_before', 'ran', true) where id = 50`,
          query: sql`select 1 / (case current_setting('shanhai.test_before', true) when 'ran' then 1 else 0 end)`,
        },
      };
    });
    expect((await h.db.execute(sql`select body from notes where id = 50`)).rows).toEqual([{ body: 'ran' }]);
  });

  it('a failing write before the final statement rolls everything back', async () => {
    const before = await count();
    await expect(
      transactionWithFinal(h.db, async (tx) => {
        await tx.execute(sql`insert into notes values (60, 'sixtieth')`);
        return { value: 1, final: { before: sql`insert into notes values (1, 'taken')`, query: sql`select 1` } };
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await count()).toBe(before);
  });

  it('an error in the work rolls back, and the next transaction on the same connection is clean', async () => {
    const before = await count();
    await expect(
      transactionWithFinal(h.db, async (tx) => {
        await tx.execute(sql`insert into notes values (3, 'third')`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(before);
    await transactionWithFinal(h.db, async (tx) => {
      await tx.execute(sql`insert into notes values (4, 'fourth')`);
      return { value: null };
    });
    expect(await count()).toBe(before + 1);
  });

  it('refuses a nested transaction on its connection, and rolls back', async () => {
    const before = await count();
    await expect(
      transactionWithFinal(h.db, async (tx) => {
        await tx.execute(sql`insert into notes values (5, 'fifth')`);
        await tx.transaction(async () => undefined);
        return { value: null };
      }),
    ).rejects.toThrow(/already in a transaction/);
    expect(await count()).toBe(before);
  });
});
