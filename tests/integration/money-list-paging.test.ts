/**
 * The money lists page by cursor (issue 13): bank statements and their rows, invoices and the
 * office's backlog, payout account changes, settlements, statements and payouts. Each is walked a
 * few rows a page and must give exactly the rows of one whole page, in the same order, none twice;
 * a foreign or altered cursor and a limit past the cap are 400s naming the field; scopes and roles
 * hold on every page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { cloneRow, createProduct } from '@shanhai/db/testing';
import { businessDate, MAX_PAGE } from '@shanhai/domain';
import { tokenCalls } from '../../apps/api/test-support/sales';
import { buyingWorld, shop, type Member } from '../../apps/api/test-support/shop';
import { bearer, type Session, type TestApp } from '../../apps/api/test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
let buyerM: Member;
const { buyer, coop, post, paid, confirmedPayoutAccount, accepted } = shop(() => t);
const { upload } = tokenCalls(() => t);
const get = (token: string | null, url: string) =>
  t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
const put = (s: Session, url: string, payload: object) =>
  t.app.inject({ method: 'PUT', url, headers: bearer(s.token), payload });

/** Copies made of each seeded row: with a page of 2, every list is walked over several pages. */
const COPIES = 5;

const nth = (ids: string[]) => `('{${ids.join(',')}}'::uuid[])[g]`;
const count = async (query: ReturnType<typeof sql>) =>
  ((await t.app.db.execute<{ n: number }>(query)).rows[0] as { n: number }).n;

beforeAll(async () => {
  ({ t, office, coopA, coopB } = await buyingWorld());
  buyerM = await buyer();

  // coopA is paid to a confirmed account; a settlement then has a statement and a payout for it.
  await confirmedPayoutAccount(coopA, office);

  // One paid purchase with an order from each of five cooperatives: five invoices to request.
  const coops = [coopA, coopB, await coop('dakun'), await coop('daping'), await coop('dakun')];
  const products = await Promise.all(coops.map((c) => createProduct(t.app.db, { cooperativeId: c.orgId, stock: 50 })));
  const p = await paid(
    buyerM,
    products.map((x) => ({ id: x.id, qty: 1 })),
    office,
  );
  for (const o of p.orders as { id: string; cooperativeId: string }[]) {
    const res = await post(buyerM.s, `/api/v1/orders/${o.id}/invoice`, { kind: 'normal' });
    expect(res.statusCode, res.body).toBe(201);
  }
  // coopA's order taken through to accepted, then settled.
  const orderA = (p.orders as { id: string; cooperativeId: string }[]).find((o) => o.cooperativeId === coopA.orgId)!;
  await accepted(orderA.id, coopA, buyerM);
  const settled = await post(office, '/api/v1/settlements', { cadence: 'on_demand', periodEnd: businessDate() });
  expect(settled.statusCode, settled.body).toBe(201);
  const s = settled.json() as {
    id: string;
    statements: { id: string; cooperativeId: string }[];
    payouts: { id: string; cooperativeId: string }[];
  };
  const statementA = s.statements.find((x) => x.cooperativeId === coopA.orgId)!;
  const payoutA = s.payouts.find((x) => x.cooperativeId === coopA.orgId)!;
  // Earlier settlements (one period back each), each with coopA's statement and payout.
  const earlier = await cloneRow(t.app.db, 'settlements', s.id, COPIES, {
    number: `src.number || '-' || g`,
    start_at: `src.start_at - g * interval '1 day'`,
    end_at: `src.end_at - g * interval '1 day'`,
    period_start: `src.period_start - g`,
    period_end: `src.period_end - g`,
  });
  const statements = await cloneRow(t.app.db, 'settlement_statements', statementA.id, COPIES, {
    settlement_id: nth(earlier),
  });
  await cloneRow(t.app.db, 'payouts', payoutA.id, COPIES, {
    settlement_id: nth(earlier),
    statement_id: nth(statements),
  });

  // Payout account changes waiting, one per cooperative (one may wait per cooperative).
  const waiting = await put(coopB.s, '/api/v1/payout-account', {
    accountName: '阳山县大坪合作社',
    bankName: '中国农业银行',
    branch: '阳山支行',
    accountNo: '6228480087654321',
  });
  expect(waiting.statusCode, waiting.body).toBe(202);
  const more = await Promise.all(Array.from({ length: COPIES }, () => coop('daping')));
  await cloneRow(t.app.db, 'payout_accounts', waiting.json().id, COPIES, {
    cooperative_id: nth(more.map((m) => m.orgId)),
    created_at: `src.created_at + g * interval '1 second'`,
  });

  // A bank statement whose row confirms nothing (the matching queue), and copies of both.
  const file = Buffer.from(
    [
      '某银行 对公账户交易明细',
      '账号: 44050000000001',
      '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言',
      '2026-12-03,TXPAGE0001,广州市测试采购单位,44001234567890,,123.45,网银转账,货款',
    ].join('\n'),
  );
  const up = await upload('/api/v1/bank-statements?dryRun=false', office.token, file);
  expect(up.statusCode, up.body).toBe(200);
  const [statement] = (
    await t.app.db.execute<{ id: string }>(sql`select id from bank_statements order by created_at desc limit 1`)
  ).rows;
  await cloneRow(t.app.db, 'bank_statements', statement!.id, COPIES, {
    created_at: `src.created_at - g * interval '1 minute'`,
  });
  const [row] = (
    await t.app.db.execute<{ id: string }>(sql`select id from bank_statement_rows where bank_txn_id = 'TXPAGE0001'`)
  ).rows;
  // Two copies a day, so that rows of one value date are split between pages.
  await cloneRow(t.app.db, 'bank_statement_rows', row!.id, COPIES, {
    bank_txn_id: `src.bank_txn_id || '-' || g`,
    txn_date: `src.txn_date - (g / 2)`,
  });
}, 240_000);
afterAll(() => t.close());

interface List {
  path: string;
  /** Who reads the whole list, and how many rows it holds for them (SQL). */
  reader: () => Session;
  rows: () => Promise<number>;
  /** Refused: an org kind that may not read it (403); none where every org reads its own. */
  refused?: () => Session;
  /** The key of a row in the answer. */
  id?: (row: Record<string, unknown>) => string;
}

const LISTS: List[] = [
  {
    path: '/api/v1/bank-statements',
    reader: () => office,
    rows: () => count(sql`select count(*)::int as n from bank_statements`),
    refused: () => coopA.s,
  },
  {
    path: '/api/v1/bank-transactions?state=unmatched',
    reader: () => office,
    rows: () => count(sql`select count(*)::int as n from bank_statement_rows where state = 'unmatched'`),
    refused: () => buyerM.s,
  },
  {
    path: '/api/v1/invoices',
    reader: () => buyerM.s,
    rows: () => count(sql`select count(*)::int as n from invoices where buyer_org_id = ${buyerM.orgId}`),
  },
  {
    path: '/api/v1/invoices/backlog',
    reader: () => office,
    rows: () =>
      count(sql`select count(*)::int as n from invoices where status in ('requested', 'red_letter_required')`),
    refused: () => coopA.s,
  },
  {
    path: '/api/v1/payout-accounts/changes',
    reader: () => office,
    rows: () => count(sql`select count(*)::int as n from payout_accounts where status = 'pending'`),
    refused: () => coopB.s,
  },
  {
    path: '/api/v1/settlements',
    reader: () => office,
    rows: () => count(sql`select count(*)::int as n from settlements`),
    refused: () => coopA.s,
  },
  {
    path: '/api/v1/statements',
    reader: () => coopA.s,
    rows: () => count(sql`select count(*)::int as n from settlement_statements where cooperative_id = ${coopA.orgId}`),
    refused: () => buyerM.s,
  },
  {
    path: '/api/v1/payouts',
    reader: () => office,
    rows: () => count(sql`select count(*)::int as n from payouts`),
    refused: () => buyerM.s,
  },
];

const idOf = (row: Record<string, unknown>) => row.id as string;
const withQuery = (path: string, q: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;

/** Every row of a list, walked page by page with the next-cursor header. */
async function walk(token: string, path: string, limit: number) {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await get(token, withQuery(path, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json() as Record<string, unknown>[];
    seen.push(...items.map(idOf));
    sizes.push(items.length);
    cursor = res.headers['x-next-cursor'] as string | undefined;
    if (!cursor) return { seen, sizes };
    expect(sizes.length, `${path} does not end`).toBeLessThan(100);
  }
}

describe('the money lists, a page at a time', () => {
  it.each(LISTS.map((l) => [l.path, l] as const))(
    '%s: pages of 2 give the rows of one whole page, in order, none twice',
    async (_, list) => {
      const n = await list.rows();
      expect(n).toBeGreaterThanOrEqual(COPIES);
      const whole = await get(list.reader().token, withQuery(list.path, `limit=${MAX_PAGE}`));
      expect(whole.statusCode, whole.body).toBe(200);
      expect(whole.headers['x-next-cursor']).toBeUndefined();
      const all = (whole.json() as Record<string, unknown>[]).map(idOf);
      expect(all).toHaveLength(n);
      const paged = await walk(list.reader().token, list.path, 2);
      expect(paged.seen).toEqual(all);
      expect(paged.sizes).toEqual([...Array.from({ length: Math.floor((n - 1) / 2) }, () => 2), n % 2 === 0 ? 2 : 1]);
      // The first page alone: its cursor says there is more.
      const first = await get(list.reader().token, withQuery(list.path, 'limit=2'));
      expect(first.headers['x-next-cursor']).toEqual(expect.any(String));
    },
  );

  it.each(LISTS.map((l) => [l.path, l] as const))(
    '%s: no token 401; a limit past the cap, a foreign or altered cursor 400 naming the field',
    async (path, list) => {
      expect((await get(null, path)).statusCode).toBe(401);
      const fieldOf = async (url: string) => {
        const res = await get(list.reader().token, url);
        expect(res.statusCode, `${url} ${res.body}`).toBe(400);
        return (res.json() as { errors: { field: string }[] }).errors[0]!.field;
      };
      expect(await fieldOf(withQuery(path, `limit=${MAX_PAGE + 1}`))).toBe('query.limit');
      expect(await fieldOf(withQuery(path, 'limit=0'))).toBe('query.limit');
      const foreign = (await get(buyerM.s.token, '/api/v1/orders?limit=1')).headers['x-next-cursor'];
      const ours = (await get(list.reader().token, withQuery(path, 'limit=1'))).headers['x-next-cursor'] as string;
      const [name, ...keys] = JSON.parse(Buffer.from(ours, 'base64url').toString()) as string[];
      const forged = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
      for (const cursor of [
        foreign ?? forged(['orders', '2026-01-01T00:00:00.000000Z', crypto.randomUUID()]),
        'not-a-cursor',
        forged([name, ...keys.slice(1)]),
        forged([name, ...keys.map(() => "x'; drop table payouts; --")]),
        forged([`${name}-other`, ...keys]),
      ])
        expect(await fieldOf(withQuery(path, `cursor=${cursor}`))).toBe('query.cursor');
    },
  );

  it.each(LISTS.filter((l) => l.refused).map((l) => [l.path, l] as const))(
    '%s: refused to an org that may not read it (403)',
    async (path, list) => {
      expect((await get(list.refused!().token, path)).statusCode).toBe(403);
    },
  );

  it('scopes hold on every page: a cooperative walks only its own invoices, statements and payouts', async () => {
    const mine = await walk(coopA.s.token, '/api/v1/invoices', 1);
    expect(mine.seen).toHaveLength(
      await count(sql`select count(*)::int as n from invoices where cooperative_id = ${coopA.orgId}`),
    );
    const payouts = await walk(coopA.s.token, '/api/v1/payouts', 2);
    expect(payouts.seen).toHaveLength(COPIES + 1);
    expect(payouts.seen).toHaveLength(
      await count(sql`select count(*)::int as n from payouts where cooperative_id = ${coopA.orgId}`),
    );
    expect((await walk(coopB.s.token, '/api/v1/statements', 2)).seen).toHaveLength(
      await count(sql`select count(*)::int as n from settlement_statements where cooperative_id = ${coopB.orgId}`),
    );
    // Another buyer sees none of this buyer's invoices, with or without its cursor.
    const other = await buyer();
    const cursor = (await get(buyerM.s.token, '/api/v1/invoices?limit=1')).headers['x-next-cursor'] as string;
    expect((await get(other.s.token, `/api/v1/invoices?cursor=${cursor}`)).json()).toEqual([]);
  });

  it('orders: newest first where money came in, the longest waiting first where work waits', async () => {
    const rows = async (path: string) => (await get(office.token, withQuery(path, `limit=${MAX_PAGE}`))).json();
    const desc = (xs: string[]) => expect(xs).toEqual(xs.toSorted().toReversed());
    const asc = (xs: string[]) => expect(xs).toEqual(xs.toSorted());
    desc((await rows('/api/v1/bank-statements')).map((r: { createdAt: string }) => r.createdAt));
    desc((await rows('/api/v1/bank-transactions')).map((r: { txnDate: string }) => r.txnDate));
    desc((await rows('/api/v1/settlements')).map((r: { endAt: string }) => r.endAt));
    asc((await rows('/api/v1/payout-accounts/changes')).map((r: { requestedAt: string }) => r.requestedAt));
    asc(
      (await rows('/api/v1/invoices/backlog')).map(
        (r: { redLetterAt: string | null; requestedAt: string }) => r.redLetterAt ?? r.requestedAt,
      ),
    );
    // Payouts: by settlement, newest period first, in their bank-file sequence within one.
    const payouts = (await rows('/api/v1/payouts')) as { settlementId: string; seq: number }[];
    const settlements = [...new Set(payouts.map((p) => p.settlementId))];
    for (const id of settlements) {
      const seqs = payouts.filter((p) => p.settlementId === id).map((p) => p.seq);
      expect(seqs).toEqual(seqs.toSorted((a, b) => a - b));
    }
  });

  it("a text key at its longest still walks: a cooperative's name of 100 Chinese characters, a long bank id", async () => {
    const name = '山'.repeat(100);
    await t.app.db.execute(sql`update orgs set name = ${name} where id = ${coopA.orgId}`);
    const statements = await walk(coopA.s.token, '/api/v1/statements', 1);
    expect(statements.seen).toHaveLength(COPIES + 1);
    const id = `TX${'9'.repeat(980)}`; // with the copies' suffixes, just under 1,000 characters
    await t.app.db.execute(sql`update bank_statement_rows set bank_txn_id = ${id} || '-' || bank_txn_id
      where bank_txn_id like 'TXPAGE0001%'`);
    const n = await count(sql`select count(*)::int as n from bank_statement_rows where state = 'unmatched'`);
    expect((await walk(office.token, '/api/v1/bank-transactions', 1)).seen).toHaveLength(n);
  });

  it('GET /invoices/backlog/count counts the whole backlog: the office only', async () => {
    const n = await count(
      sql`select count(*)::int as n from invoices where status in ('requested', 'red_letter_required')`,
    );
    const res = await get(office.token, '/api/v1/invoices/backlog/count');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ count: n });
    expect(n).toBeGreaterThanOrEqual(5);
    expect((await get(null, '/api/v1/invoices/backlog/count')).statusCode).toBe(401);
    expect((await get(coopA.s.token, '/api/v1/invoices/backlog/count')).statusCode).toBe(403);
    expect((await get(office.token, '/api/v1/invoices/backlog/count?limit=1')).statusCode).toBe(400);
  });
});
