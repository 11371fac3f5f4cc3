import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { businessDate, businessYear, DEFAULT_PAGE, MAX_PAGE } from '@shanhai/domain';
import { cloneRow, createOrg } from '@shanhai/db/testing';
import { salesWorld, tokenCalls, type SalesWorld } from '../../../test-support/sales';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let dakunId: string;
beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  dakunId = (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'dakun')))[0]!.id;
});
afterAll(() => t.close());

describe('GET /api/v1/regions (public)', () => {
  it('lists the 8 counties and 24 towns with Dakun’s official 2026 target of 10,000,000 元', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/regions?year=2026' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.year).toBe(2026);
    expect(body.counties).toHaveLength(8);
    const towns = body.counties.flatMap((c: { towns: unknown[] }) => c.towns);
    expect(towns).toHaveLength(24);
    const yangshan = body.counties.find((c: { code: string }) => c.code === 'yangshan');
    const dakun = yangshan.towns.find((x: { code: string }) => x.code === 'dakun');
    expect(dakun).toEqual({
      id: dakunId,
      code: 'dakun',
      countyId: yangshan.id,
      nameZh: '大崑镇',
      nameEn: 'Dakun',
      isDemo: false,
      targetFen: 1_000_000_000,
      targetIsDemo: false,
    });
    // Towns added for the demo say so, and so do their generated targets.
    expect(
      towns
        .filter((x: { isDemo: boolean }) => !x.isDemo)
        .map((x: { code: string }) => x.code)
        .sort(),
    ).toEqual(['dadong', 'dakun', 'daping', 'futang', 'taibao', 'yonghe']);
    expect(
      towns.filter((x: { targetIsDemo: boolean }) => !x.targetIsDemo).map((x: { code: string }) => x.code),
    ).toEqual(['dakun']);
  });

  it('defaults to this year in Asia/Shanghai, and has no targets for a year nobody set', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/regions' })).json().year).toBe(businessYear());
    const future = (await t.app.inject({ method: 'GET', url: '/api/v1/regions?year=2031' })).json();
    expect(
      future.counties
        .flatMap((c: { towns: { targetFen: number | null }[] }) => c.towns.map((x) => x.targetFen))
        .every((v: unknown) => v === null),
    ).toBe(true);
  });

  it('answers 400 naming query.year for a bad year or an unknown parameter', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/regions?year=twenty' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('query.year');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/regions?colour=red' })).json().errors[0].field).toBe(
      'query.colour',
    );
  });
});

describe('PUT /api/v1/towns/:id/targets/:year', () => {
  it('office staff set a target; the audit log keeps who, when, old and new', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/towns/${dakunId}/targets/2026`,
      headers: bearer(office.token),
      payload: { targetFen: 1_200_000_000 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      townId: dakunId,
      year: 2026,
      targetFen: 1_200_000_000,
      isDemo: false,
      updatedAt: expect.any(String),
    });
    const audit = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, 'town_target.set'), eq(schema.auditLog.entityId, `${dakunId}:2026`)));
    expect(audit).toEqual([
      expect.objectContaining({
        actorUserId: office.userId,
        actorOrgId: office.orgId,
        before: { targetFen: 1_000_000_000, isDemo: false },
        after: { targetFen: 1_200_000_000, isDemo: false },
        at: expect.any(Date),
      }),
    ]);
    const regions = (await t.app.inject({ method: 'GET', url: '/api/v1/regions?year=2026' })).json();
    const dakun = regions.counties
      .flatMap((c: { towns: { id: string }[] }) => c.towns)
      .find((x: { id: string }) => x.id === dakunId);
    expect(dakun.targetFen).toBe(1_200_000_000);
  });

  it('a new year’s target is created, with no "before" in the audit row', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/towns/${dakunId}/targets/2027`,
      headers: bearer(office.token),
      payload: { targetFen: 1_500_000_000 },
    });
    expect(res.statusCode).toBe(200);
    const [row] = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, `${dakunId}:2027`));
    expect(row!.before).toBeNull();
  });

  it('401 anonymous, 403 for buyers and cooperatives, nothing changed', async () => {
    const payload = { targetFen: 1 };
    expect(
      (await t.app.inject({ method: 'PUT', url: `/api/v1/towns/${dakunId}/targets/2026`, payload })).statusCode,
    ).toBe(401);
    for (const email of ['buyer@demo.shanhai', 'coop@demo.shanhai']) {
      const s = await login(t.app, email, DEMO_PASSWORD);
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/towns/${dakunId}/targets/2026`,
        headers: bearer(s.token),
        payload,
      });
      expect(res.statusCode).toBe(403);
    }
    const [target] = await t.app.db
      .select()
      .from(schema.townTargets)
      .where(and(eq(schema.townTargets.townId, dakunId), eq(schema.townTargets.year, 2026)));
    expect(target!.targetFen).not.toBe(1);
  });

  it('400 naming the field: negative, fractional, text, unknown field; 404 for an unknown town', async () => {
    const put = (payload: unknown, url = `/api/v1/towns/${dakunId}/targets/2026`) =>
      t.app.inject({ method: 'PUT', url, headers: bearer(office.token), payload: payload as object });
    for (const bad of [{ targetFen: -1 }, { targetFen: 1.5 }, { targetFen: '100' }, {}]) {
      const res = await put(bad);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('body.targetFen');
    }
    expect((await put({ targetFen: 1, isDemo: true })).json().errors).toEqual([
      { field: 'body.isDemo', message: 'is not an accepted field', code: 'unrecognized_keys' },
    ]);
    expect((await put({ targetFen: 1 }, `/api/v1/towns/${dakunId}/targets/1999`)).json().errors[0].field).toBe(
      'params.year',
    );
    expect(
      (await put({ targetFen: 1 }, '/api/v1/towns/00000000-0000-4000-8000-000000000000/targets/2026')).statusCode,
    ).toBe(404);
  });

  it('two edits at once both land in the audit log, in order', async () => {
    const townId = (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'daping')))[0]!.id;
    const [a, b] = await Promise.all(
      [700_000_000, 800_000_000].map((targetFen) =>
        t.app.inject({
          method: 'PUT',
          url: `/api/v1/towns/${townId}/targets/2026`,
          headers: bearer(office.token),
          payload: { targetFen },
        }),
      ),
    );
    expect([a!.statusCode, b!.statusCode]).toEqual([200, 200]);
    const audit = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, `${townId}:2026`))
      .orderBy(schema.auditLog.id);
    expect(audit).toHaveLength(2);
    // The second writer saw the first one's value as "before": no lost update.
    expect((audit[1]!.before as { targetFen: number }).targetFen).toBe(
      (audit[0]!.after as { targetFen: number }).targetFen,
    );
    const [final] = await t.app.db
      .select()
      .from(schema.townTargets)
      .where(and(eq(schema.townTargets.townId, townId), eq(schema.townTargets.year, 2026)));
    expect(final!.targetFen).toBe((audit[1]!.after as { targetFen: number }).targetFen);
  });
});

describe('pairings', () => {
  let w: SalesWorld;
  const { post, get } = tokenCalls(() => w.t);
  beforeAll(async () => {
    w = await salesWorld();
  });
  afterAll(() => w.t.close());

  it('office creates and deletes (audited); a buyer sees its own; 401/403/400/404', async () => {
    const { t, townId, buyerOrgId, office, buyerManager, otherBuyer, coop } = w;
    const body = { buyerOrgId, townId, startsOn: '2026-01-01', pledgeFen: 500_000 };
    expect((await post('/api/v1/pairings', null, body)).statusCode).toBe(401);
    expect((await post('/api/v1/pairings', buyerManager, body)).statusCode).toBe(403);
    const bad = await post('/api/v1/pairings', office, {
      ...body,
      buyerOrgId: (await createOrg(t.app.db, { kind: 'cooperative' })).id,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.buyerOrgId');
    const created = await post('/api/v1/pairings', office, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ buyerOrgId, townId, role: 'member', pledgeFen: 500_000, endsOn: null });
    expect((await post('/api/v1/pairings', office, body)).statusCode).toBe(409);
    expect((await get('/api/v1/pairings', buyerManager)).json().items).toHaveLength(1);
    expect((await get('/api/v1/pairings', otherBuyer)).json().items).toHaveLength(0);
    expect((await get('/api/v1/pairings', coop)).statusCode).toBe(403);
    const patch = (token: string | null, id: string, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/pairings/${id}`, headers: token ? bearer(token) : {}, payload });
    const id = created.json().id as string;
    expect((await patch(null, id, { pledgeFen: 1 })).statusCode).toBe(401);
    expect((await patch(buyerManager, id, { pledgeFen: 1 })).statusCode).toBe(403);
    expect((await patch(office, crypto.randomUUID(), { pledgeFen: 1 })).statusCode).toBe(404);
    expect((await patch(office, id, { pledgeFen: -1 })).json().errors[0].field).toBe('body.pledgeFen');
    expect((await patch(office, id, { endsOn: '2025-12-31' })).json().errors[0].field).toBe('body.endsOn');
    const changed = await patch(office, id, { role: 'lead', endsOn: '2026-12-31', pledgeFen: 800_000 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ role: 'lead', endsOn: '2026-12-31', pledgeFen: 800_000 });
    const updates = await t.app.db.select().from(schema.auditLog).where(eq(schema.auditLog.action, 'pairing.update'));
    expect(updates.map((a) => [a.entityId, a.before, a.after])).toEqual([
      [
        id,
        { role: 'member', endsOn: null, pledgeFen: 500_000 },
        { role: 'lead', endsOn: '2026-12-31', pledgeFen: 800_000 },
      ],
    ]);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/pairings/${created.json().id}`,
      headers: bearer(office),
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/pairings/${created.json().id}`, headers: bearer(office) }))
        .statusCode,
    ).toBe(404);
    const audit = await t.app.db.select().from(schema.auditLog).where(eq(schema.auditLog.entityId, created.json().id));
    expect(audit.map((a) => a.action).sort()).toEqual(['pairing.create', 'pairing.delete', 'pairing.update']);
  });

  it('lists by unit and by state today (current, upcoming, ended); bad filters are 400 naming the field', async () => {
    const { t, townId, buyerOrgId, otherBuyerOrgId, office, buyerManager } = w;
    const today = businessDate();
    const shift = (days: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const make = async (body: object) => (await post('/api/v1/pairings', office, body)).json().id as string;
    const current = await make({ buyerOrgId, townId, startsOn: shift(-30), endsOn: today });
    const ended = await make({ buyerOrgId, townId, startsOn: shift(-400), endsOn: shift(-1) });
    const upcoming = await make({ buyerOrgId: otherBuyerOrgId, townId, startsOn: shift(1), role: 'lead' });
    const ids = async (query: string, token = office) =>
      (await get(`/api/v1/pairings${query}`, token))
        .json()
        .items.map((p: { id: string }) => p.id)
        .sort();
    expect(await ids('?state=current')).toEqual([current]);
    expect(await ids('?state=ended')).toEqual([ended]);
    expect(await ids('?state=upcoming')).toEqual([upcoming]);
    expect(await ids(`?buyerOrgId=${buyerOrgId}`)).toEqual([current, ended].sort());
    expect(await ids(`?buyerOrgId=${otherBuyerOrgId}&townId=${townId}`)).toEqual([upcoming]);
    // A buyer asking for another unit's pairings still sees only its own (none of those).
    expect(await ids(`?buyerOrgId=${otherBuyerOrgId}`, buyerManager)).toEqual([]);
    expect((await get('/api/v1/pairings?state=soon', office)).json().errors[0].field).toBe('query.state');
    expect((await get('/api/v1/pairings?buyerOrgId=x', office)).json().errors[0].field).toBe('query.buyerOrgId');
    // Ending a pairing today keeps it current today; ending it yesterday moves it to ended.
    const endIt = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/pairings/${current}`,
      headers: bearer(office),
      payload: { endsOn: shift(-1) },
    });
    expect(endIt.statusCode).toBe(200);
    expect(await ids('?state=ended')).toEqual([current, ended].sort());
  });

  it('a page at a time (issue 13): a walk returns each pairing once in order, filters hold; a bad or foreign cursor and a limit past the cap are 400', async () => {
    const { t, townId, buyerOrgId, otherBuyerOrgId, office, buyerManager, coop } = w;
    // 261 pairings of one unit with one town (each a day later): only the id orders them.
    const seed = (await post('/api/v1/pairings', office, { buyerOrgId, townId, startsOn: '2020-01-01' })).json();
    await cloneRow(t.app.db, 'pairings', seed.id, 260, { starts_on: `src.starts_on + g` });
    await post('/api/v1/pairings', office, { buyerOrgId: otherBuyerOrgId, townId, startsOn: '2020-01-01' });
    const expected = (
      await t.app.db.execute<{ id: string; buyer_org_id: string }>(sql`
        select p.id, p.buyer_org_id from pairings p join orgs o on o.id = p.buyer_org_id
        order by p.town_id, o.name, p.id`)
    ).rows;
    expect(expected.length).toBeGreaterThan(262);

    const walk = async (query: string, token: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/api/v1/pairings?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { items: { id: string }[]; nextCursor: string | null };
        seen.push(...body.items.map((p) => p.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      return { seen, pages };
    };
    const all = await walk('', office);
    expect(all.pages).toBe(Math.ceil(expected.length / 100));
    expect(all.seen).toEqual(expected.map((r) => r.id));
    // A filter holds across pages; a buyer walks only its own.
    const own = expected.filter((r) => r.buyer_org_id === buyerOrgId).map((r) => r.id);
    expect((await walk(`&buyerOrgId=${buyerOrgId}`, office)).seen).toEqual(own);
    expect((await walk('', buyerManager)).seen).toEqual(own);
    // Without a limit: the default page of 200 and a cursor to the rest.
    const first = (await get('/api/v1/pairings', office)).json();
    expect(first.items).toHaveLength(DEFAULT_PAGE);
    expect(first.nextCursor).toEqual(expect.any(String));

    const fieldOf = async (query: string) => {
      const res = await get(`/api/v1/pairings?${query}`, office);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf(`limit=${MAX_PAGE + 1}`)).toBe('query.limit');
    expect(await fieldOf('limit=0')).toBe('query.limit');
    expect(await fieldOf('cursor=not-a-cursor')).toBe('query.cursor');
    // Another list's cursor (GET /units, office) is refused by name.
    const unitsCursor = (await get('/api/v1/units?limit=1', office)).json().nextCursor as string;
    expect(unitsCursor).toEqual(expect.any(String));
    expect(await fieldOf(`cursor=${unitsCursor}`)).toBe('query.cursor');
    // An altered cursor of this list: its id key is no uuid.
    const altered = Buffer.from(JSON.stringify(['pairings', townId, 'x', 'not-a-uuid'])).toString('base64url');
    expect(await fieldOf(`cursor=${altered}`)).toBe('query.cursor');

    expect((await get('/api/v1/pairings?limit=10', null)).statusCode).toBe(401);
    expect((await get('/api/v1/pairings?limit=10', coop)).statusCode).toBe(403);
  });
});
