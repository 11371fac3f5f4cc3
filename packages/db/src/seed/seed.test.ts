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

  it('has 6·30 2026 as a past campaign holding the demo sales of its days, and the 2027 年货节 as a coming one', async () => {
    await seedDemo(h.db);
    const rows = await h.db.execute<{
      name_zh: string;
      starts_on: string;
      ends_on: string;
      is_demo: boolean;
      fen: string;
    }>(
      sql`select c.name_zh, c.starts_on::text, c.ends_on::text, c.is_demo,
            coalesce((select sum(amount_fen) from campaign_town_tallies t where t.campaign_id = c.id), 0)::text as fen
          from campaigns c order by c.starts_on`,
    );
    const [june, fair] = rows.rows;
    expect(june).toMatchObject({ name_zh: '6·30 广东扶贫济困日（2026）', ends_on: '2026-06-30', is_demo: true });
    // Its days hold demo sales (seeded up to today, which is past June 2026 in this project's time).
    const inJune = await h.db.execute<{ fen: string }>(
      sql`select coalesce(sum(amount_fen), 0)::text as fen from sales where business_date between '2026-06-15' and '2026-06-30'`,
    );
    expect(Number(june!.fen)).toBe(Number(inJune.rows[0]!.fen));
    expect(fair).toMatchObject({ name_zh: '年货节（2027 春节）', starts_on: '2027-01-15', is_demo: true });
  }, 180_000);
});
