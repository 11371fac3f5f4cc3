/**
 * A settlement's statements and payouts are paged lists (issue 13): the detail used to read at
 * most 2,000 of each and drop the rest without a word. Here a settlement pays more cooperatives
 * than that old cap: the detail gives the first page and the cursors of the rest,
 * GET /settlements/{id}/statements and /payouts walk every row once, in order, and the bank file
 * holds every payout still to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { cloneRow, createProduct } from '@shanhai/db/testing';
import { businessDate, DEFAULT_PAGE, MAX_PAGE } from '@shanhai/domain';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let buyerM: Member;
/** The settlement paying more cooperatives than the old cap, and one earlier with a single payout. */
let big: string;
let earlier: string;
const { buyer, post, paid, confirmedPayoutAccount, accepted } = shop(() => t);
const get = (s: Session | null, url: string) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });

/** Cooperatives added to the settlement: past the old cap of 2,000 rows and several pages of MAX_PAGE. */
const EXTRA = 2_050;

const nth = (ids: string[]) => `('{${ids.join(',')}}'::uuid[])[g]`;
const rowsOf = async <R>(query: ReturnType<typeof sql>) => (await t.app.db.execute(query)).rows as R[];

beforeAll(async () => {
  ({ t, office, coopA } = await buyingWorld());
  buyerM = await buyer();
  await confirmedPayoutAccount(coopA, office);
  // One accepted order of coopA: the settlement has its statement and a payout.
  const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 50 });
  const p = await paid(buyerM, [{ id: product.id, qty: 1 }], office);
  const order = (p.orders as { id: string }[])[0]!;
  await accepted(order.id, coopA, buyerM);
  const settled = await post(office, '/api/v1/settlements', { cadence: 'on_demand', periodEnd: businessDate() });
  expect(settled.statusCode, settled.body).toBe(201);
  big = settled.json().id;
  const [mine] = await rowsOf<{ statement: string; payout: string }>(sql`
    select st.id as statement, p.id as payout from settlement_statements st join payouts p on p.statement_id = st.id
    where st.settlement_id = ${big} and st.cooperative_id = ${coopA.orgId}`);
  // EXTRA more cooperatives, each with its statement and payout in the same settlement.
  const coops = await cloneRow(t.app.db, 'orgs', coopA.orgId, EXTRA, {
    name: `src.name || '-' || lpad(g::text, 5, '0')`,
    credit_code: 'null',
  });
  const statements = await cloneRow(t.app.db, 'settlement_statements', mine!.statement, EXTRA, {
    cooperative_id: nth(coops),
  });
  await cloneRow(t.app.db, 'payouts', mine!.payout, EXTRA, {
    statement_id: nth(statements),
    cooperative_id: nth(coops),
    seq: `src.seq + g`,
  });
  await t.app.db.execute(sql`update settlements set statement_count = statement_count + ${EXTRA} where id = ${big}`);
  // An earlier settlement (a day back) with one statement and payout of coopA.
  earlier = (
    await cloneRow(t.app.db, 'settlements', big, 1, {
      number: `src.number || '-earlier'`,
      start_at: `src.start_at - interval '1 day'`,
      end_at: `src.start_at`,
      statement_count: '1',
    })
  )[0]!;
  const [st] = await cloneRow(t.app.db, 'settlement_statements', mine!.statement, 1, { settlement_id: `'${earlier}'` });
  await cloneRow(t.app.db, 'payouts', mine!.payout, 1, { settlement_id: `'${earlier}'`, statement_id: `'${st}'` });
}, 240_000);
afterAll(() => t.close());

/** Every row of a list from a cursor (none: the first page), walked with the next-cursor header. */
async function walk(path: string, limit: number, cursor?: string | null) {
  const rows: Record<string, unknown>[] = [];
  let pages = 0;
  let next = cursor ?? undefined;
  do {
    const res = await get(office, `${path}?limit=${limit}${next ? `&cursor=${next}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as Record<string, unknown>[];
    expect(page.length).toBeLessThanOrEqual(limit);
    rows.push(...page);
    next = res.headers['x-next-cursor'] as string | undefined;
    expect(++pages, `${path} does not end`).toBeLessThan(100);
  } while (next);
  return rows;
}

describe('a settlement longer than a page', () => {
  it('the detail gives the first page of each list and the cursors of the rest', async () => {
    const res = await get(office, `/api/v1/settlements/${big}`);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d.statements).toHaveLength(DEFAULT_PAGE);
    expect(d.payouts).toHaveLength(DEFAULT_PAGE);
    expect(d.statementsNextCursor).toEqual(expect.any(String));
    expect(d.payoutsNextCursor).toEqual(expect.any(String));
    expect(d.payoutCount).toBe(EXTRA + 1);
    // The detail's page and the rest from its cursors are the whole list, once each.
    const payouts = [
      ...d.payouts,
      ...(await walk(`/api/v1/settlements/${big}/payouts`, MAX_PAGE, d.payoutsNextCursor)),
    ];
    const statements = [
      ...d.statements,
      ...(await walk(`/api/v1/settlements/${big}/statements`, MAX_PAGE, d.statementsNextCursor)),
    ];
    const wantPayouts = await rowsOf<{ id: string }>(
      sql`select id from payouts where settlement_id = ${big} order by seq, id`,
    );
    const wantStatements = await rowsOf<{ id: string }>(sql`
      select st.id from settlement_statements st join orgs o on o.id = st.cooperative_id
      where st.settlement_id = ${big} order by o.name, st.id`);
    expect(wantPayouts.length).toBeGreaterThan(2_000);
    expect(payouts.map((p) => p.id)).toEqual(wantPayouts.map((r) => r.id));
    expect(statements.map((s) => s.id)).toEqual(wantStatements.map((r) => r.id));

    // The earlier settlement's detail has everything on its one page.
    const small = (await get(office, `/api/v1/settlements/${earlier}`)).json();
    expect(small).toMatchObject({ statementsNextCursor: null, payoutsNextCursor: null });
    expect(small.payouts).toHaveLength(1);
  });

  it('GET /settlements/{id}/payouts and /statements walk every row in order, a page at a time', async () => {
    const payouts = await walk(`/api/v1/settlements/${big}/payouts`, 49);
    expect(payouts).toHaveLength(EXTRA + 1);
    expect(new Set(payouts.map((p) => p.id)).size).toBe(EXTRA + 1);
    const seqs = payouts.map((p) => p.seq as number);
    expect(seqs).toEqual(seqs.toSorted((a, b) => a - b));
    expect(payouts.every((p) => p.settlementId === big)).toBe(true);
    const statements = await walk(`/api/v1/settlements/${big}/statements`, MAX_PAGE);
    const [n] = await rowsOf<{ n: number }>(
      sql`select count(*)::int as n from settlement_statements where settlement_id = ${big}`,
    );
    expect(statements).toHaveLength(n!.n);
    expect(statements.every((s) => s.settlementId === big)).toBe(true);
    // The default page is DEFAULT_PAGE rows, and says there is more.
    const first = await get(office, `/api/v1/settlements/${big}/payouts`);
    expect(first.json()).toHaveLength(DEFAULT_PAGE);
    expect(first.headers['x-next-cursor']).toEqual(expect.any(String));
    const one = await get(office, `/api/v1/settlements/${earlier}/statements`);
    expect(one.json()).toHaveLength(1);
    expect(one.headers['x-next-cursor']).toBeUndefined();
  });

  it('the bank file holds every payout still to send, past the old cap', async () => {
    const res = await get(office, `/api/v1/settlements/${big}/bank-file?format=csv`);
    expect(res.statusCode).toBe(200);
    const lines = res.body.split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1 + EXTRA + 1);
    // The XLSX (exceljs's streaming writer) holds the same rows: header, every payout, no cut.
    const xlsx = await get(office, `/api/v1/settlements/${big}/bank-file`);
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.actualRowCount).toBe(1 + EXTRA + 1);
    const seqs = Array.from({ length: EXTRA + 1 }, (_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect(new Set(seqs).size).toBe(EXTRA + 1);
  });

  it.each(['payouts', 'statements'])(
    'GET /settlements/{id}/%s: 401 without a token, 403 to other orgs, 404 for no settlement, 400 naming the field',
    async (list) => {
      const path = `/api/v1/settlements/${big}/${list}`;
      expect((await get(null, path)).statusCode).toBe(401);
      expect((await get(coopA.s, path)).statusCode).toBe(403);
      expect((await get(buyerM.s, path)).statusCode).toBe(403);
      const missing = await get(office, `/api/v1/settlements/${crypto.randomUUID()}/${list}`);
      expect(missing.statusCode).toBe(404);
      const fieldOf = async (url: string) => {
        const res = await get(office, url);
        expect(res.statusCode, `${url} ${res.body}`).toBe(400);
        return (res.json() as { errors: { field: string }[] }).errors[0]!.field;
      };
      expect(await fieldOf(`/api/v1/settlements/not-a-uuid/${list}`)).toBe('params.id');
      expect(await fieldOf(`${path}?limit=${MAX_PAGE + 1}`)).toBe('query.limit');
      expect(await fieldOf(`${path}?limit=0`)).toBe('query.limit');
      // Another settlement's cursor, the whole-office list's, an altered one and garbage.
      const ours = (await get(office, `${path}?limit=1`)).headers['x-next-cursor'] as string;
      const whole = (await get(office, `/api/v1/${list}?limit=1`)).headers['x-next-cursor'] as string;
      expect(whole).toEqual(expect.any(String));
      const [name, ...keys] = JSON.parse(Buffer.from(ours, 'base64url').toString()) as string[];
      const forged = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
      for (const [url, cursor] of [
        [`/api/v1/settlements/${earlier}/${list}`, ours],
        [path, whole],
        [path, forged([name, ...keys.slice(1)])],
        [path, forged([name, ...keys.map(() => "1'; drop table payouts; --")])],
        [path, 'not-a-cursor'],
      ] as const)
        expect(await fieldOf(`${url}?cursor=${cursor}`)).toBe('query.cursor');
      // The same cursor goes on where it came from.
      expect((await get(office, `${path}?limit=1&cursor=${ours}`)).statusCode).toBe(200);
    },
  );
});
