import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema, writeAudit } from '@shanhai/db';
import { createProduct, createUser } from '@shanhai/db/testing';
import { shop } from '../../../test-support/shop';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let buyer: Session;
let dakunId: string;
beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
  dakunId = (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'dakun')))[0]!.id;
});
afterAll(() => t.close());

const get = (url: string, s?: Session) =>
  t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: s ? bearer(s.token) : {} });

/** Writes `n` entries by the office user, one after another (ids in order), the i-th being `entry(i)`. */
async function byOffice(
  n: number,
  entry: (i: number) => Omit<Parameters<typeof writeAudit>[1], 'actorUserId' | 'actorOrgId'>,
) {
  for (let i = 0; i < n; i++)
    await writeAudit(t.app.db, { actorUserId: office.userId, actorOrgId: office.orgId, ...entry(i) });
}

describe('GET /api/v1/audit', () => {
  it('lists what an office action wrote, with who did it, newest first', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/towns/${dakunId}/targets/2031`,
      headers: bearer(office.token),
      payload: { targetFen: 1_200_000_000 },
    });
    expect(put.statusCode).toBe(200);
    const res = await get('/audit?action=town_target.set', office);
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().items;
    expect(entry).toMatchObject({
      action: 'town_target.set',
      entityType: 'town_target',
      actor: { userId: office.userId, email: 'office@demo.shanhai' },
      actorOrg: { id: office.orgId },
    });
    expect(JSON.stringify(entry.after)).toContain('1200000000');
  });

  it('is for the office’s owners and managers: 401 without a token, 403 for a buyer and an office member', async () => {
    expect((await get('/audit')).statusCode).toBe(401);
    expect((await get('/audit', buyer)).statusCode).toBe(403);
    const member = await createUser(t.app.db, { orgId: office.orgId, role: 'member' });
    const s = await login(t.app, member.email);
    expect((await get('/audit', s)).statusCode).toBe(403);
    expect((await get('/audit/export', s)).statusCode).toBe(403);
    const manager = await createUser(t.app.db, { orgId: office.orgId, role: 'manager' });
    expect((await get('/audit', await login(t.app, manager.email))).statusCode).toBe(200);
  });

  it('filters by actor, object and business dates (both ends included), and walks pages by cursor', async () => {
    const entityId = `filter-${Date.now()}`;
    await byOffice(5, (i) => ({ action: 'pairing.create', entityType: 'pairing', entityId, after: { i } }));
    // One of them happened on 1 March 2026 at 23:30 in Guangzhou (15:30 UTC).
    await t.app.db.execute(
      sql`update audit_log set at = '2026-03-01T15:30:00Z' where entity_id = ${entityId} and after->>'i' = '0'`,
    );
    const first = await get(`/audit?entityId=${entityId}&limit=2`, office);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((e: { after: { i: number } }) => e.after.i)).toEqual([4, 3]);
    const second = await get(`/audit?entityId=${entityId}&limit=2&cursor=${first.json().nextCursor}`, office);
    expect(second.json().items.map((e: { after: { i: number } }) => e.after.i)).toEqual([2, 1]);
    const third = await get(`/audit?entityId=${entityId}&limit=2&cursor=${second.json().nextCursor}`, office);
    expect(third.json()).toMatchObject({ nextCursor: null });
    expect(third.json().items).toHaveLength(1);

    const day = await get(`/audit?entityId=${entityId}&from=2026-03-01&to=2026-03-01`, office);
    expect(day.json().items.map((e: { after: { i: number } }) => e.after.i)).toEqual([0]);
    expect((await get(`/audit?entityId=${entityId}&from=2026-03-02&to=2026-03-02`, office)).json().items).toEqual([]);
    const byActor = await get(`/audit?entityId=${entityId}&actor=OFFICE@demo`, office);
    expect(byActor.json().items).toHaveLength(5);
    expect((await get(`/audit?entityId=${entityId}&actor=nobody-like-this`, office)).json().items).toEqual([]);
    // LIKE wildcards are taken literally.
    expect((await get(`/audit?entityId=${entityId}&actor=%25`, office)).json().items).toEqual([]);
  });

  it('orders by event time, newest first, not by id: ties go by id, and the cursor walks both', async () => {
    const entityId = `by-time-${Date.now()}`;
    // Written in id order i = 0…5, dated out of that order (as the demo seed dates past steps),
    // with two pairs at one instant (one down to the microsecond) so a page boundary falls in a tie.
    const at = ['2026-05-01T08:00:00.000001Z', '2026-07-01T08:00:00Z', '2026-05-01T08:00:00.000001Z'];
    at.push('2026-03-01T08:00:00Z', '2026-07-01T08:00:00Z', '2026-06-01T08:00:00.5Z');
    await byOffice(at.length, (i) => ({ action: 'pairing.create', entityType: 'pairing', entityId, after: { i } }));
    for (let i = 0; i < at.length; i++)
      await t.app.db.execute(
        sql`update audit_log set at = ${at[i]}::timestamptz where entity_id = ${entityId} and after->>'i' = ${String(i)}`,
      );
    const expected = [4, 1, 5, 2, 0, 3];
    const whole = await get(`/audit?entityId=${entityId}`, office);
    expect(whole.json().items.map((e: { after: { i: number } }) => e.after.i)).toEqual(expected);
    for (const limit of [1, 2, 4]) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(
          `/audit?entityId=${entityId}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          office,
        );
        expect(page.statusCode).toBe(200);
        seen.push(...page.json().items.map((e: { after: { i: number } }) => e.after.i));
        cursor = page.json().nextCursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    const csv = await get(`/audit/export?entityId=${entityId}`, office);
    const ids = whole.json().items.map((e: { id: number }) => String(e.id));
    expect(
      csv.body
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(ids);
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/audit?limit=0', 'query.limit'],
      ['/audit?limit=201', 'query.limit'],
      ['/audit?action=order.explode', 'query.action'],
      ['/audit?from=2026-02-30', 'query.from'],
      ['/audit?from=2026-03-02&to=2026-03-01', 'query.to'],
      ['/audit?cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
      // A cursor of the id-only form the log used to hand out.
      ['/audit?cursor=YTo1', 'query.cursor'],
      [`/audit?entityId=${'x'.repeat(101)}`, 'query.entityId'],
      ['/audit?unknown=1', 'query.unknown'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url, office);
      expect(res.statusCode, url).toBe(400);
      expect(
        res.json().errors.map((e: { field: string }) => e.field),
        url,
      ).toContain(field);
    }
  });
});

describe('the objects an entry is about', () => {
  it('are named as people know them, in both languages; an object the log cannot name keeps its id', async () => {
    const [product] = await t.app.db
      .select()
      .from(schema.products)
      .where(eq(schema.products.status, 'listed'))
      .limit(1);
    const placed = await shop(() => t).placed({ s: buyer }, [{ id: product!.id, qty: product!.moq }]);
    const [purchase] = await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.id, placed.id));
    const [order] = await t.app.db.select().from(schema.orders).where(eq(schema.orders.purchaseId, placed.id));
    const untranslated = await createProduct(t.app.db, { cooperativeId: product!.cooperativeId, nameZh: '未译名蜂蜜' });
    const gone = '00000000-0000-4000-8000-000000000000';
    const about: [string, string][] = [
      ['product', product!.id],
      ['product', untranslated.id],
      ['order', order!.id],
      ['purchase', purchase!.id],
      ['town_target', `${dakunId}:2031`],
      ['org', office.orgId],
      ['user', office.userId],
      ['pairing', gone],
      ['sales_import', 'not-a-uuid'],
    ];
    await byOffice(about.length, (i) => ({ action: 'org.update', entityType: about[i]![0], entityId: about[i]![1] }));
    const nameOf = async (type: string, id: string) => {
      const res = await get(`/audit?entityType=${type}&entityId=${encodeURIComponent(id)}&limit=1`, office);
      expect(res.statusCode).toBe(200);
      return res.json().items[0].entityName;
    };
    const ordered = new Date(order!.createdAt).toLocaleDateString('sv', { timeZone: 'Asia/Shanghai' });
    expect(await nameOf('product', product!.id)).toEqual({
      zh: product!.nameZh,
      en: product!.nameEn ?? product!.nameZh,
    });
    expect(await nameOf('product', untranslated.id)).toEqual({ zh: '未译名蜂蜜', en: '未译名蜂蜜' });
    expect(await nameOf('order', order!.id)).toEqual({
      zh: `${ordered.replaceAll('-', '')}-${order!.seq}`,
      en: `${ordered.replaceAll('-', '')}-${order!.seq}`,
    });
    expect(await nameOf('purchase', purchase!.id)).toEqual({
      zh: purchase!.remittanceRef,
      en: purchase!.remittanceRef,
    });
    expect(await nameOf('town_target', `${dakunId}:2031`)).toEqual({ zh: '大崑镇 2031 年', en: 'Dakun 2031' });
    expect((await nameOf('org', office.orgId)).zh).toMatch(/指挥部/);
    expect((await nameOf('user', office.userId)).zh).toBe('指挥部 演示账号');
    expect(await nameOf('pairing', gone)).toBeNull();
    expect(await nameOf('sales_import', 'not-a-uuid')).toBeNull();

    // The export carries the Chinese name beside the id.
    const csv = await get(`/audit/export?entityType=product&entityId=${product!.id}`, office);
    const [head, row] = csv.body.replace('\uFEFF', '').split('\r\n');
    const col = head!.split(',').indexOf('object_name');
    expect(col).toBe(head!.split(',').indexOf('object_id') + 1);
    expect(row!.split(',')[col]).toBe(product!.nameZh);
  });
});

describe('GET /api/v1/audit/export', () => {
  it('streams every matching entry as CSV (not cut at a page), formula-safe, with a BOM for Excel', async () => {
    const entityId = `export-${Date.now()}`;
    await byOffice(1205, (i) => ({
      action: 'sales.import',
      entityType: 'sales_import',
      entityId,
      note: i === 0 ? '=HYPERLINK("http://evil")' : `row ${i}`,
    }));
    const res = await get(`/audit/export?entityId=${entityId}`, office);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename\*=UTF-8''audit-log-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    expect(res.body.startsWith('\uFEFFid,at,actor,')).toBe(true);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 1205);
    expect(lines.at(-1)).toContain(`'=HYPERLINK(""http://evil"")`);
    expect((await get(`/audit/export?to=bad`, office)).statusCode).toBe(400);
    const backwards = await get(`/audit/export?from=2026-03-02&to=2026-03-01`, office);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors[0].field).toBe('query.to');
    expect((await get(`/audit/export`)).statusCode).toBe(401);
  });
});
