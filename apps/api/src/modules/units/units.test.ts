import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { cloneRow, createOrg } from '@shanhai/db/testing';
import { businessYear } from '@shanhai/domain';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let buyerOrgId: string;
let otherBuyerOrgId: string;
let office: string;
let buyerManager: string;
let buyerMember: string;
let otherBuyer: string;
let coop: string;
const { post, get } = tokenCalls(() => t);
const put = (url: string, token: string | null, payload: unknown) =>
  t.app.inject({ method: 'PUT', url, headers: token ? bearer(token) : {}, payload: payload as object });

const year = businessYear();
const declaration = { totalFen: 100_000_000, ratioBp: 1500, canteenOutsourced: false };
const auditOf = (entityId: string) =>
  t.app.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.entityId, entityId)))
    .orderBy(schema.auditLog.id);

beforeAll(async () => {
  ({ t, buyerOrgId, otherBuyerOrgId, office, buyerManager, buyerMember, otherBuyer, coop } = await salesWorld());
  for (const id of [buyerOrgId, otherBuyerOrgId])
    expect(
      (await put(`/api/v1/units/${id}/classification`, office, { year, isBudgetUnit: true, unitKind: 'agency' }))
        .statusCode,
    ).toBe(200);
});
afterAll(async () => t.close());

describe('reserved-share settings and classification', () => {
  it('the office sets a year’s rules (audited); defaults are 10% and no deadline', async () => {
    expect((await get(`/api/v1/units/settings/2031`, buyerManager)).json()).toEqual({
      year: 2031,
      minRatioBp: 1000,
      declarationDeadline: null,
    });
    expect(
      (await put('/api/v1/units/settings/2031', null, { minRatioBp: 3000, declarationDeadline: null })).statusCode,
    ).toBe(401);
    expect(
      (await put('/api/v1/units/settings/2031', buyerManager, { minRatioBp: 3000, declarationDeadline: null }))
        .statusCode,
    ).toBe(403);
    const bad = await put('/api/v1/units/settings/2031', office, { minRatioBp: 10_001, declarationDeadline: null });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.minRatioBp');
    const ok = await put('/api/v1/units/settings/2031', office, {
      minRatioBp: 3000,
      declarationDeadline: '2031-02-20',
    });
    expect(ok.json()).toEqual({ year: 2031, minRatioBp: 3000, declarationDeadline: '2031-02-20' });
    expect((await auditOf('2031')).map((a) => [a.action, a.after])).toEqual([
      ['unit_settings.set', { minRatioBp: 3000, declarationDeadline: '2031-02-20' }],
    ]);
  });

  it('classification: office only, buyer orgs only (404 otherwise), for a year, audited', async () => {
    const body = { year, isBudgetUnit: true, unitKind: 'institution' };
    expect((await put(`/api/v1/units/${buyerOrgId}/classification`, buyerManager, body)).statusCode).toBe(403);
    expect((await put(`/api/v1/units/${crypto.randomUUID()}/classification`, office, body)).statusCode).toBe(404);
    const bad = await put(`/api/v1/units/${buyerOrgId}/classification`, office, { ...body, unitKind: 'bank' });
    expect(bad.json().errors[0].field).toBe('body.unitKind');
    const { year: _, ...noYear } = body;
    const yearless = await put(`/api/v1/units/${buyerOrgId}/classification`, office, noYear);
    expect(yearless.statusCode).toBe(400);
    expect(yearless.json().errors[0].field).toBe('body.year');
    const ok = await put(`/api/v1/units/${otherBuyerOrgId}/classification`, office, body);
    expect(ok.json()).toMatchObject({ id: otherBuyerOrgId, isBudgetUnit: true, unitKind: 'institution' });
    expect((await auditOf(otherBuyerOrgId)).map((a) => a.action)).toEqual(['unit.classify', 'unit.classify']);
    expect((await get('/api/v1/units/budget-units', null)).statusCode).toBe(401);
    expect((await get('/api/v1/units/budget-units', coop)).statusCode).toBe(403);
    const names = (await get('/api/v1/units/budget-units', buyerManager)).json().items;
    expect(names.map((u: { id: string }) => u.id).sort()).toEqual([buyerOrgId, otherBuyerOrgId].sort());
    // The picker lists the budget units of the year asked about: none were set for 2099.
    expect((await get('/api/v1/units/budget-units?year=2099', buyerManager)).json().items).toEqual([]);
    expect((await get('/api/v1/units/budget-units?year=1', buyerManager)).json().errors[0].field).toBe('query.year');
  });

  it('the classify screen: office lists buyer orgs by name and classifies several at once (audited, all or nothing)', async () => {
    const a = await createOrg(t.app.db, { kind: 'buyer', name: '测试分类A单位' });
    const b = await createOrg(t.app.db, { kind: 'buyer', name: '测试分类B单位' });
    const coopOrg = await createOrg(t.app.db, { kind: 'cooperative', name: '测试分类合作社' });
    expect((await get('/api/v1/units', null)).statusCode).toBe(401);
    expect((await get('/api/v1/units', buyerManager)).statusCode).toBe(403);
    expect((await get('/api/v1/units?budget=maybe', office)).json().errors[0].field).toBe('query.budget');
    const found = (await get(`/api/v1/units?q=${encodeURIComponent('测试分类')}`, office)).json().items;
    // Only buyer orgs, by name; a LIKE wildcard in the search is literal.
    expect(found.map((u: { id: string }) => u.id)).toEqual([a.id, b.id]);
    expect(found[0]).toMatchObject({ isBudgetUnit: false, unitKind: null, status: 'active' });
    expect((await get(`/api/v1/units?q=${encodeURIComponent('%')}`, office)).json().items).toEqual([]);

    const body = { year, unitIds: [a.id, b.id], isBudgetUnit: true, unitKind: 'soe' };
    expect((await put('/api/v1/units/classification', null, body)).statusCode).toBe(401);
    expect((await put('/api/v1/units/classification', buyerManager, body)).statusCode).toBe(403);
    expect((await put('/api/v1/units/classification', office, { ...body, unitIds: [] })).json().errors[0].field).toBe(
      'body.unitIds',
    );
    // A cooperative among them: 400 naming it, and nothing changed.
    const mixed = await put('/api/v1/units/classification', office, { ...body, unitIds: [a.id, coopOrg.id] });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().errors[0].field).toBe('body.unitIds.1');
    expect((await get('/api/v1/units?budget=yes&kind=soe', office)).json().items).toEqual([]);

    const ok = await put('/api/v1/units/classification', office, body);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items).toEqual([
      { id: a.id, name: '测试分类A单位', isBudgetUnit: true, unitKind: 'soe' },
      { id: b.id, name: '测试分类B单位', isBudgetUnit: true, unitKind: 'soe' },
    ]);
    expect(
      (await get('/api/v1/units?budget=yes&kind=soe', office)).json().items.map((u: { id: string }) => u.id),
    ).toEqual([a.id, b.id]);
    // Without a kind, each keeps its own; only what changed is audited.
    // The status is per year: the next year's list does not have them.
    expect(
      (await get(`/api/v1/units?year=${year + 1}&budget=yes&kind=soe`, office))
        .json()
        .items.map((u: { id: string }) => u.id),
    ).toEqual([]);
    expect(
      (await get(`/api/v1/units?year=${year + 1}&q=${encodeURIComponent('测试分类')}`, office))
        .json()
        .items.map((u: { isBudgetUnit: boolean }) => u.isBudgetUnit),
    ).toEqual([false, false]);
    await put(`/api/v1/units/${b.id}/classification`, office, { year, isBudgetUnit: true, unitKind: 'union' });
    const off = await put('/api/v1/units/classification', office, { year, unitIds: [a.id, b.id], isBudgetUnit: false });
    expect(
      off.json().items.map((u: { unitKind: string; isBudgetUnit: boolean }) => [u.unitKind, u.isBudgetUnit]),
    ).toEqual([
      ['soe', false],
      ['union', false],
    ]);
    await put('/api/v1/units/classification', office, { year, unitIds: [a.id], isBudgetUnit: false });
    expect((await auditOf(a.id)).map((x) => [x.action, x.before, x.after])).toEqual([
      ['unit.classify', { year, isBudgetUnit: false, unitKind: null }, { year, isBudgetUnit: true, unitKind: 'soe' }],
      ['unit.classify', { year, isBudgetUnit: true, unitKind: 'soe' }, { year, isBudgetUnit: false }],
    ]);
  });

  it('two bulk classifications over overlapping units at once both finish (rows locked in one order)', async () => {
    const orgs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createOrg(t.app.db, { kind: 'buyer', name: `并发分类${i}` })),
    );
    const ids = orgs.map((o) => o.id);
    const [x, y] = await Promise.all([
      put('/api/v1/units/classification', office, { year, unitIds: ids, isBudgetUnit: true }),
      put('/api/v1/units/classification', office, {
        year,
        unitIds: [...ids].reverse(),
        isBudgetUnit: true,
        unitKind: 'other',
      }),
    ]);
    expect([x.statusCode, y.statusCode]).toEqual([200, 200]);
    const listed = (await get(`/api/v1/units?q=${encodeURIComponent('并发分类')}`, office)).json().items;
    expect(
      listed.every((u: { isBudgetUnit: boolean; unitKind: string }) => u.isBudgetUnit && u.unitKind === 'other'),
    ).toBe(true);
  });
});

describe('declarations', () => {
  it('401, 403 for a member, a cooperative and the office, 404 for another unit; bad input names the field', async () => {
    const url = `/api/v1/units/${buyerOrgId}/declarations/${year}`;
    expect((await put(url, null, declaration)).statusCode).toBe(401);
    expect((await put(url, buyerMember, declaration)).statusCode).toBe(403);
    expect((await put(url, coop, declaration)).statusCode).toBe(403);
    expect((await put(url, office, declaration)).statusCode).toBe(403);
    expect((await put(url, otherBuyer, declaration)).statusCode).toBe(404);
    expect((await get(url, otherBuyer)).statusCode).toBe(404);
    const fieldOf = async (body: object) => {
      const r = await put(url, buyerManager, body);
      expect(r.statusCode).toBe(400);
      return r.json().errors.map((e: { field: string }) => e.field);
    };
    expect(await fieldOf({ ...declaration, totalFen: -1 })).toEqual(['body.totalFen']);
    expect(await fieldOf({ ...declaration, ratioBp: 999 })).toEqual(['body.ratioBp']);
    const below = await put(url, buyerManager, { ...declaration, ratioBp: 999 });
    expect(below.json().errors[0]).toMatchObject({ code: 'ratio_below_min', params: { min: 10 } });
    expect(await fieldOf({ ...declaration, sharedCanteenOrgId: crypto.randomUUID() })).toEqual([
      'body.sharedCanteenOrgId',
    ]);
    expect(await fieldOf({ ...declaration, sharedCanteenOrgId: buyerOrgId })).toEqual(['body.sharedCanteenOrgId']);
    expect(await fieldOf({ ...declaration, extra: 1 })).toEqual(['body.extra']);
    // Nothing was stored by any refused request.
    expect((await get(url, buyerManager)).json().versions).toEqual([]);
  });

  it('a ratio below the office’s minimum for that year, and a declaration after the deadline, are 400', async () => {
    await put('/api/v1/units/classification', office, { year: 2030, unitIds: [buyerOrgId], isBudgetUnit: true });
    await put('/api/v1/units/classification', office, { year: 2020, unitIds: [buyerOrgId], isBudgetUnit: true });
    await put('/api/v1/units/settings/2030', office, { minRatioBp: 3000, declarationDeadline: null });
    const below = await put(`/api/v1/units/${buyerOrgId}/declarations/2030`, buyerManager, declaration);
    expect(below.statusCode).toBe(400);
    expect(below.json().errors[0]).toMatchObject({ field: 'body.ratioBp', params: { min: 30 } });
    await put('/api/v1/units/settings/2020', office, { minRatioBp: 1000, declarationDeadline: '2020-02-20' });
    const late = await put(`/api/v1/units/${buyerOrgId}/declarations/2020`, buyerManager, declaration);
    expect(late.statusCode).toBe(400);
    expect(late.json().errors[0]).toMatchObject({ field: 'params.year', code: 'deadline_passed' });
  });

  it('a buyer org that is not a budget unit in the year may not declare for it (400 naming the year)', async () => {
    await put(`/api/v1/units/${otherBuyerOrgId}/classification`, office, {
      year,
      isBudgetUnit: false,
      unitKind: 'soe',
    });
    const r = await put(`/api/v1/units/${otherBuyerOrgId}/declarations/${year}`, otherBuyer, declaration);
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0]).toMatchObject({
      field: 'params.year',
      code: 'not_budget_unit_in_year',
      params: { year },
    });
    expect((await get(`/api/v1/units/${otherBuyerOrgId}/declarations/${year}`, otherBuyer)).json()).toMatchObject({
      unit: { isBudgetUnit: false },
      versions: [],
    });
    // Nor may another unit name it as the shared canteen that year.
    const shared = await put(`/api/v1/units/${buyerOrgId}/declarations/${year}`, buyerManager, {
      ...declaration,
      sharedCanteenOrgId: otherBuyerOrgId,
    });
    expect(shared.json().errors[0]).toMatchObject({ field: 'body.sharedCanteenOrgId', code: 'not_a_budget_unit' });
    await put(`/api/v1/units/${otherBuyerOrgId}/classification`, office, {
      year,
      isBudgetUnit: true,
      unitKind: 'agency',
    });
  });

  it('a unit classified in 2026 but not 2027 is ranked in 2026 only, and may not declare for 2027', async () => {
    const unit = await createOrg(t.app.db, { kind: 'buyer', name: '测试年度认定单位' });
    for (const [y, on] of [
      [2026, true],
      [2027, false],
    ] as const) {
      const r = await put('/api/v1/units/classification', office, {
        year: y,
        unitIds: [unit.id, otherBuyerOrgId],
        isBudgetUnit: on,
      });
      expect(r.statusCode).toBe(200);
    }
    const ranked = async (y: number) =>
      (await get(`/api/v1/units/ranking?year=${y}&asOf=${y}-06-30`, office))
        .json()
        .rows.map((r: { unitId: string }) => r.unitId)
        .filter((id: string) => id === unit.id || id === otherBuyerOrgId)
        .sort();
    expect(await ranked(2026)).toEqual([unit.id, otherBuyerOrgId].sort());
    expect(await ranked(2027)).toEqual([]);
    const listed = async (y: number) =>
      (await get(`/api/v1/units?year=${y}&q=${encodeURIComponent('测试年度认定')}`, office)).json().items;
    expect(await listed(2026)).toMatchObject([{ id: unit.id, isBudgetUnit: true }]);
    expect(await listed(2027)).toMatchObject([{ id: unit.id, isBudgetUnit: false }]);
    const refused = await put(`/api/v1/units/${otherBuyerOrgId}/declarations/2027`, otherBuyer, declaration);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0]).toMatchObject({ field: 'params.year', code: 'not_budget_unit_in_year' });
    expect((await get(`/api/v1/units/${otherBuyerOrgId}/declarations/2027`, otherBuyer)).json().versions).toEqual([]);
  });

  it('draft → submitted → returned → draft → submitted → approved; a change after approval is a new version', async () => {
    const url = `/api/v1/units/${buyerOrgId}/declarations/${year}`;
    const saved = await put(url, buyerManager, { ...declaration, sharedCanteenOrgId: otherBuyerOrgId });
    expect(saved.statusCode).toBe(200);
    const d = saved.json();
    expect(d).toMatchObject({
      version: 1,
      status: 'draft',
      totalFen: 100_000_000,
      ratioBp: 1500,
      reservedFen: 15_000_000,
      sharedCanteenOrgId: otherBuyerOrgId,
    });
    // The office cannot approve a draft; another unit cannot submit it.
    expect((await post(`/api/v1/declarations/${d.id}/approve`, office)).statusCode).toBe(409);
    expect((await post(`/api/v1/declarations/${d.id}/submit`, otherBuyer)).statusCode).toBe(404);
    expect((await post(`/api/v1/declarations/${d.id}/submit`, buyerMember)).statusCode).toBe(403);
    expect((await post(`/api/v1/declarations/${d.id}/submit`, buyerManager)).json().status).toBe('submitted');
    // Submitted: the unit waits; the unit cannot approve its own.
    expect((await put(url, buyerManager, declaration)).statusCode).toBe(409);
    expect((await post(`/api/v1/declarations/${d.id}/approve`, buyerManager)).statusCode).toBe(403);
    const noReason = await post(`/api/v1/declarations/${d.id}/return`, office, {});
    expect(noReason.json().errors[0].field).toBe('body.reason');
    const returned = await post(`/api/v1/declarations/${d.id}/return`, office, { reason: '总额与预算不符' });
    expect(returned.json()).toMatchObject({ status: 'returned', returnReason: '总额与预算不符' });
    // Edited in place after a return.
    const again = (await put(url, buyerManager, { ...declaration, totalFen: 80_000_000 })).json();
    expect(again).toMatchObject({ id: d.id, version: 1, status: 'draft', returnReason: null, reservedFen: 12_000_000 });
    await post(`/api/v1/declarations/${d.id}/submit`, buyerManager);
    const twice = await Promise.all([
      post(`/api/v1/declarations/${d.id}/approve`, office),
      post(`/api/v1/declarations/${d.id}/approve`, office),
    ]);
    expect(twice.map((r) => r.statusCode).sort()).toEqual([200, 409]);

    // A change after approval: a new draft version, the approved one stays in force.
    const [v2a, v2b] = await Promise.all([
      put(url, buyerManager, { ...declaration, totalFen: 90_000_000 }),
      put(url, buyerManager, { ...declaration, totalFen: 90_000_000 }),
    ]);
    expect([v2a.statusCode, v2b.statusCode]).toEqual([200, 200]);
    expect(v2a.json().id).toBe(v2b.json().id);
    const state = (await get(url, buyerManager)).json();
    expect(state.inForce).toMatchObject({ id: d.id, version: 1, status: 'approved', totalFen: 80_000_000 });
    expect(state.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'draft'],
      [1, 'approved'],
    ]);
    // The office sees the same; the office list shows each unit's latest version.
    expect((await get(url, office)).json().versions).toHaveLength(2);
    const list = (await get(`/api/v1/declarations?year=${year}`, office)).json().items;
    expect(list.map((x: { buyerOrgId: string; version: number }) => [x.buyerOrgId, x.version])).toEqual([
      [buyerOrgId, 2],
    ]);
    expect((await get(`/api/v1/declarations?year=${year}`, buyerManager)).statusCode).toBe(403);

    expect((await auditOf(d.id)).map((a) => a.action)).toEqual([
      'declaration.save',
      'declaration.submit',
      'declaration.return',
      'declaration.save',
      'declaration.submit',
      'declaration.approve',
    ]);

    // The change needs its own approval: returned, version 1 stays in force; approved, version 2
    // is in force and version 1 is kept in the history as it was.
    const v2 = v2a.json().id as string;
    expect(v2).not.toBe(d.id);
    await post(`/api/v1/declarations/${v2}/submit`, buyerManager);
    expect((await post(`/api/v1/declarations/${v2}/return`, office, { reason: '请附预算批复' })).statusCode).toBe(200);
    expect((await get(url, buyerManager)).json().inForce).toMatchObject({ id: d.id, totalFen: 80_000_000 });
    await put(url, buyerManager, { ...declaration, totalFen: 90_000_000 });
    await post(`/api/v1/declarations/${v2}/submit`, buyerManager);
    expect((await post(`/api/v1/declarations/${v2}/approve`, office)).statusCode).toBe(200);
    const after = (await get(url, buyerManager)).json();
    expect(after.inForce).toMatchObject({ id: v2, version: 2, status: 'approved', reservedFen: 13_500_000 });
    expect(
      after.versions.map((v: { version: number; status: string; totalFen: number }) => [
        v.version,
        v.status,
        v.totalFen,
      ]),
    ).toEqual([
      [2, 'approved', 90_000_000],
      [1, 'approved', 80_000_000],
    ]);
    // Progress reserves against the version in force.
    const progress = (await get(`/api/v1/units/${buyerOrgId}/progress/${year}`, buyerManager)).json();
    expect(progress.progress.reservedFen).toBe(13_500_000);
    // Two saves at once above (both audited), then the return, the fix and the approval.
    expect((await auditOf(v2)).map((a) => a.action)).toEqual([
      'declaration.save',
      'declaration.save',
      'declaration.submit',
      'declaration.return',
      'declaration.save',
      'declaration.submit',
      'declaration.approve',
    ]);
  });

  it('404 for an unknown declaration', async () => {
    expect((await post(`/api/v1/declarations/${crypto.randomUUID()}/approve`, office)).statusCode).toBe(404);
    expect((await get(`/api/v1/units/${crypto.randomUUID()}/declarations/${year}`, office)).statusCode).toBe(404);
  });
});

describe('the unit search of the pairings dialog (issue 13)', () => {
  it('finds any unit: every match a page at a time, and by a part of its name or credit code', async () => {
    // More matches than a page: the last by name used to be out of reach of the picker.
    const first = await createOrg(t.app.db, { kind: 'buyer', name: '检索单位-00000' });
    await cloneRow(t.app.db, 'orgs', first.id, 260, {
      name: `'检索单位-' || lpad(g::text, 5, '0')`,
      credit_code: 'null',
    });
    const last = await createOrg(t.app.db, { kind: 'buyer', name: '检索单位-末位' });
    await t.app.db.update(schema.orgs).set({ creditCode: '91440101MA5SEARCH9' }).where(eq(schema.orgs.id, last.id));
    // Not a buyer: never offered, whatever it is called.
    await createOrg(t.app.db, { kind: 'cooperative', name: '检索单位-合作社' });

    const q = encodeURIComponent('检索单位');
    const page = (await get(`/api/v1/units?q=${q}&limit=50`, office)).json();
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).toEqual(expect.any(String));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/v1/units?q=${q}&limit=50${cursor ? `&cursor=${cursor}` : ''}`, office);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: { id: string; name: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((u) => u.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(262);
    expect(seen.at(-1)).toBe(last.id);

    // By a more exact name, or by a part of the credit code in any case: only that unit.
    const only = async (term: string) =>
      (await get(`/api/v1/units?q=${encodeURIComponent(term)}&limit=50`, office))
        .json()
        .items.map((u: { id: string }) => u.id);
    expect(await only('检索单位-末')).toEqual([last.id]);
    expect(await only('ma5search')).toEqual([last.id]);
    expect(await only('91440101MA5SEARCH9')).toEqual([last.id]);

    // Refused: a search longer than a name, a limit past the cap, another list's cursor.
    const fieldOf = async (url: string) => {
      const res = await get(url, office);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf(`/api/v1/units?q=${'x'.repeat(101)}`)).toBe('query.q');
    expect(await fieldOf(`/api/v1/units?q=${q}&limit=501`)).toBe('query.limit');
    expect(await fieldOf(`/api/v1/units?cursor=not-a-cursor`)).toBe('query.cursor');
    expect((await get(`/api/v1/units?q=${q}`, null)).statusCode).toBe(401);
    expect((await get(`/api/v1/units?q=${q}`, buyerManager)).statusCode).toBe(403);
  });

  it('a unit’s declarations list every version of its year, past the old cap of 1,000', async () => {
    await put('/api/v1/units/classification', office, { year: 2033, unitIds: [buyerOrgId], isBudgetUnit: true });
    const url = `/api/v1/units/${buyerOrgId}/declarations/2033`;
    const first = await put(url, buyerManager, declaration);
    expect(first.statusCode, first.body).toBe(200);
    await cloneRow(t.app.db, 'unit_declarations', first.json().id, 1_000, { version: 'src.version + g' });
    const versions = (await get(url, office)).json().versions as { version: number }[];
    expect(versions).toHaveLength(1_001);
    expect(versions[0]!.version).toBe(1_001);
    expect(versions.at(-1)!.version).toBe(1);
  });
});

describe('the shared-canteen picker’s budget units, a page at a time (issue 13)', () => {
  it('walks every budget unit of a year once in name order, searched by name or credit code; refuses a bad or foreign cursor and a limit past the cap', async () => {
    // 121 budget units of 2034 share a word: more than a page of 50; each once, by name.
    const first = await createOrg(t.app.db, { kind: 'buyer', name: '预算检索单位-00000' });
    const clones = await cloneRow(t.app.db, 'orgs', first.id, 120, {
      name: `'预算检索单位-' || lpad(g::text, 5, '0')`,
      credit_code: 'null',
    });
    const last = clones.at(-1)!;
    await t.app.db.update(schema.orgs).set({ creditCode: '91440101MA5BUDGET7' }).where(eq(schema.orgs.id, last));
    const units = [first.id, ...clones];
    await t.app.db.insert(schema.budgetUnitYears).values(units.map((buyerOrgId) => ({ year: 2034, buyerOrgId })));
    // Not offered: a unit of that name that is not a budget unit in 2034, and a suspended budget unit.
    await createOrg(t.app.db, { kind: 'buyer', name: '预算检索单位-非预算' });
    const suspended = await createOrg(t.app.db, { kind: 'buyer', name: '预算检索单位-停用', status: 'suspended' });
    await t.app.db.insert(schema.budgetUnitYears).values({ year: 2034, buyerOrgId: suspended.id });

    const q = encodeURIComponent('预算检索单位');
    const url = (query: string) => `/api/v1/units/budget-units?year=2034&${query}`;
    const seen: { id: string; name: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(url(`q=${q}&limit=50${cursor ? `&cursor=${cursor}` : ''}`), buyerManager);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: { id: string; name: string }[]; nextCursor: string | null };
      seen.push(...body.items);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((u) => u.id)).toEqual(units);
    expect(seen[0]).toEqual({ id: first.id, name: '预算检索单位-00000' });
    // The office may read it too: without a search, every active budget unit of 2034 in one page of 500.
    const all = (await get(url('limit=500'), office)).json();
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((u: { id: string }) => u.id)).toEqual(units);

    // By a part of the credit code in any case, or a more exact name: only that unit; a wildcard is literal.
    const only = async (term: string) =>
      (await get(url(`q=${encodeURIComponent(term)}`), buyerManager)).json().items.map((u: { id: string }) => u.id);
    expect(await only('ma5budget')).toEqual([last]);
    expect(await only('预算检索单位-00120')).toEqual([last]);
    expect(await only('%')).toEqual([]);

    const fieldOf = async (query: string) => {
      const res = await get(url(query), buyerManager);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf(`q=${q}&limit=501`)).toBe('query.limit');
    expect(await fieldOf('limit=0')).toBe('query.limit');
    expect(await fieldOf(`q=${'x'.repeat(101)}`)).toBe('query.q');
    expect(await fieldOf('cursor=not-a-cursor')).toBe('query.cursor');
    // A cursor of GET /units has the same shape (a name, an id) but is another list's: refused.
    const unitsCursor = (await get(`/api/v1/units?q=${q}&limit=1`, office)).json().nextCursor as string;
    expect(unitsCursor).toEqual(expect.any(String));
    expect(await fieldOf(`cursor=${unitsCursor}`)).toBe('query.cursor');
    // And this list's cursor is refused by GET /units.
    const own = (await get(url(`q=${q}&limit=1`), buyerManager)).json().nextCursor as string;
    const foreign = await get(`/api/v1/units?cursor=${own}`, office);
    expect(foreign.statusCode, foreign.body).toBe(400);
    expect(foreign.json().errors[0].field).toBe('query.cursor');

    expect((await get(url(`q=${q}`), null)).statusCode).toBe(401);
    expect((await get(url(`q=${q}`), coop)).statusCode).toBe(403);
  });
});
