import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { useTestDatabase } from '../../test-support/testing';
import { seedDemo } from './index';

const h = useTestDatabase('empty');

describe('demo catalogue', () => {
  it('lists the named products and gives every one of the 24 towns listed products, idempotently', async () => {
    await seedDemo(h.db);
    const perTown = await h.db.execute<{ code: string; n: number }>(
      sql`select t.code, count(p.id)::int as n from towns t left join products p on p.town_id = t.id and p.status = 'listed' group by t.code`,
    );
    expect(perTown.rows).toHaveLength(24);
    expect(perTown.rows.every((r) => r.n >= 1)).toBe(true);
    const named = await h.db.execute<{ name_zh: string }>(
      sql`select name_zh from products where not is_demo order by name_zh`,
    );
    expect(named.rows.map((r) => r.name_zh)).toEqual(
      expect.arrayContaining([
        '大坪山花蜂蜜',
        '大坪猕猴桃',
        '大崑乳鸽',
        '大洞肉鸽',
        '大洞烧烤竹签',
        '永和何首乌切片',
        '壮瑶刺绣香囊',
        '醒狮文创摆件',
      ]),
    );
    const before = await h.db.execute<{ n: number }>(sql`select count(*)::int as n from products`);
    await seedDemo(h.db);
    expect((await h.db.execute<{ n: number }>(sql`select count(*)::int as n from products`)).rows[0]!.n).toBe(
      before.rows[0]!.n,
    );
  }, 180_000);
});
