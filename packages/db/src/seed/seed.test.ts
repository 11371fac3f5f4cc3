import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from '../client';
import { createTestDatabase, type TestDatabase } from '../../test-support/testing';
import { seedDemo } from './index';

let database: TestDatabase;
let h: DbHandle;
beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'empty');
  h = createDb(database.url, { max: 3 });
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

/** Row counts of every table in the public schema. */
async function counts(): Promise<Record<string, number>> {
  const tables = await h.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const r = await h.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table_name)}`);
    out[table_name] = r.rows[0]!.n;
  }
  return out;
}

describe('demo seed', () => {
  it('is idempotent: a second run (even two at once) adds nothing', async () => {
    await seedDemo(h.db);
    const first = await counts();
    expect(first.towns).toBe(24);
    expect(first.counties).toBe(8);
    expect(first.users).toBeGreaterThanOrEqual(5);
    await Promise.all([seedDemo(h.db), seedDemo(h.db)]);
    expect(await counts()).toEqual(first);
    // Three whole seeds (two at once): well past vitest's 30 s default on a loaded machine.
  }, 180_000);
});
