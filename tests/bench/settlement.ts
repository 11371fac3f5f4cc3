/**
 * `pnpm --filter @shanhai/tests bench:settlement`: the money side at scale, on the real api in this
 * process over HTTP, on a seeded database of its own.
 *
 * 1. Balance reads (`GET /api/v1/balances/mine` as the demo cooperative, one request at a time,
 *    `BENCH_READS` of them, default 2,000) with the journal at 10,000 lines, then at 1,000,000:
 *    the p99 ratio (aim ≤ 1.2; the balance is a running total, the page's lines the newest 100,
 *    a full page at both sizes). `BENCH_PARTS=reads` stops there; `BENCH_EXPLAIN=1` prints the plans.
 * 2. A settlement (`POST /api/v1/settlements`, monthly) over a month of 100,000 accepted orders of
 *    500 cooperatives, each with a confirmed payout account, the journal holding 1,000,000 lines
 *    (the month before: another 100,000 orders, settled first, its payouts marked paid). Aim < 10 s.
 *
 * Each order posts what the app posts for it: a payment (platform bank debit, the cooperative's
 * pending credit) and an acceptance (pending debit, available credit, fee revenue credit at 1%):
 * five lines. The journal is written in bulk with SQL of the same shape (balanced entries, the
 * running balances summed from the lines), since a million postEntry calls would take an hour;
 * the settlement then reads it through the app like any other.
 */
import { loadavg } from 'node:os';
import { createDb } from '@shanhai/db';
import { benchApp, benchLogin, benchStack } from './support';

const COOPS = 500;
const ORDERS_PER_MONTH = Number(process.env.BENCH_ORDERS ?? 100_000);
const READS = Number(process.env.BENCH_READS ?? 2_000);
/** `reads`: only the balance reads (fill to 1M lines, read, stop), for work on the read path. */
const ONLY_READS = process.env.BENCH_PARTS === 'reads';
/** `BENCH_EXPLAIN=1`: print EXPLAIN (ANALYZE, BUFFERS) of the balance page's newest-lines read at both sizes. */
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const FEE_BPS = 100;
/** Orders of the small journal that go to the demo cooperative (3 payable lines each): > 100 lines. */
const DEMO_SMALL_ORDERS = 40;
const SETTLE_AIM_S = 10;
const READ_RATIO_AIM = 1.2;

const stack = await benchStack('settlement');
const h = createDb(stack.databaseUrl, { max: 4 });
const q = async <T>(text: string, values: unknown[] = []) => (await h.pool.query(text, values)).rows as T[];
const started = new Date();
const load0 = loadavg();

// 499 cooperatives beside the demo one, each with a payout account in force.
const [coop] = await q<{ org_id: string; id: string }>(
  "select org_id, id from users where email = 'coop@demo.shanhai'",
);
const [town] = await q<{ id: string }>('select id from towns order by sort_order limit 1');
await q(
  `insert into orgs (kind, status, name, credit_code, town_id, is_demo)
   select 'cooperative', 'active', '基准合作社 ' || n, 'BENCHCOOP' || lpad(n::text, 9, '0'), $1, true
   from generate_series(1, $2::int) n`,
  [town!.id, COOPS - 1],
);
const coops = (
  await q<{ id: string }>(
    `select id from orgs where kind = 'cooperative' and (credit_code like 'BENCHCOOP%' or id = $1) order by id`,
    [coop!.org_id],
  )
).map((r) => r.id);
if (coops.length !== COOPS) throw new Error(`expected ${COOPS} cooperatives, have ${coops.length}`);
await q(
  `insert into payout_accounts (cooperative_id, status, account_name, bank_name, branch, account_no, requested_by)
   select id, 'active', '合作社账户', '中国农业银行', '阳山支行', '62284800' || lpad((row_number() over ())::text, 8, '0'), $2
   from unnest($1::uuid[]) id`,
  [coops, coop!.id],
);

/**
 * `n` orders numbered from `from`, paid within [start, start + 25 days) and accepted three days later: two entries
 * each, the lines the app posts, and the running balances they add up to. Order k belongs to
 * cooperative k mod 500 (the first `demoFirst` of them to the demo cooperative), its total 10.00–99.99 元.
 */
async function orders(from: number, n: number, start: string, demoFirst = 0) {
  const c = await h.pool.connect();
  try {
    await c.query('begin');
    // Half a million lines in one statement outlast the pool's statement timeout, meant for requests.
    await c.query('set local statement_timeout = 0');
    // Generating, not measuring: the per-row guards (the deferred balance check, the foreign keys)
    // would take most of an hour for a million lines on a shared VM. The entries are balanced by
    // construction, and checked below once the journal is written.
    await c.query('set local session_replication_role = replica');
    await c.query(
      `create temp table o on commit drop as
       select k, gen_random_uuid() as order_id,
         case when k - $4 < $6 then $7::uuid else ($1::uuid[])[1 + k % $2] end as coop,
         1000 + (k * 7919) % 9000 as total, $3::timestamptz + (k - $4) * interval '1 second' * (2160000.0 / $5) as paid_at
       from generate_series($4::int, $4::int + $5::int - 1) k`,
      [coops, COOPS, start, from, n, demoFirst, coop!.org_id],
    );
    await c.query(`alter table o add column fee int, add column pay_id bigint, add column acc_id bigint`);
    await c.query(`update o set fee = (total * ${FEE_BPS} + 5000) / 10000`);
    await c.query(`update o set pay_id = nextval(pg_get_serial_sequence('journal_entries', 'id')),
                                acc_id = nextval(pg_get_serial_sequence('journal_entries', 'id'))`);
    await c.query(
      `insert into journal_entries (id, kind, source_type, source_id, idempotency_key, occurred_at)
       overriding system value
       select pay_id, 'payment'::journal_entry_kind, 'purchase', 'bench-' || k, 'payment:purchase:bench-' || k, paid_at from o
       union all
       select acc_id, 'acceptance'::journal_entry_kind, 'order', order_id::text, 'acceptance:order:' || order_id, paid_at + interval '3 days' from o`,
    );
    await c.query(
      `insert into journal_lines (entry_id, account, org_id, bank_ref, order_id, debit_fen, credit_fen, occurred_at)
       select pay_id, 'platform_bank'::journal_account, null::uuid, 'default', null::uuid, total, 0, paid_at from o
       union all select pay_id, 'coop_payable_pending'::journal_account, coop, null, order_id, 0, total, paid_at from o
       union all select acc_id, 'coop_payable_pending', coop, null, order_id, total, 0, paid_at + interval '3 days' from o
       union all select acc_id, 'coop_payable_available', coop, null, order_id, 0, total - fee, paid_at + interval '3 days' from o
       union all select acc_id, 'fee_revenue', coop, null, order_id, 0, fee, paid_at + interval '3 days' from o`,
    );
    await c.query(
      `insert into account_balances (account, org_id, bank_ref, debit_fen, credit_fen, line_count)
       select account, org_id, bank_ref, sum(debit_fen), sum(credit_fen), count(*)
       from journal_lines where entry_id in (select pay_id from o union all select acc_id from o)
       group by account, org_id, bank_ref
       on conflict on constraint account_balances_key do update set
         debit_fen = account_balances.debit_fen + excluded.debit_fen,
         credit_fen = account_balances.credit_fen + excluded.credit_fen,
         line_count = account_balances.line_count + excluded.line_count`,
    );
    await c.query('commit');
  } catch (e) {
    await c.query('rollback');
    throw e;
  } finally {
    c.release();
  }
  await q('analyze journal_lines; analyze journal_entries; analyze account_balances');
}
/**
 * EXPLAIN (ANALYZE, BUFFERS) of the balance page's newest-lines read as the demo cooperative: the
 * read `myBalance` makes (a copy of its SQL in balances-service.ts: keep the two alike), and the
 * single `account in (…) order by id desc` read it replaced, for comparison.
 */
async function newestLinesPlan() {
  const explain = async (text: string) =>
    (await q<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${text}`, [coop!.org_id]))
      .map((r) => r['QUERY PLAN'])
      .join('\n');
  const newest = (account: string) =>
    `(select id, entry_id, account, order_id, debit_fen, credit_fen, occurred_at from journal_lines
      where account = '${account}' and org_id = $1 order by id desc limit 100)`;
  const app = await explain(
    `select l.id, l.entry_id, e.kind, l.account, l.order_id, l.debit_fen, l.credit_fen, l.occurred_at
     from (${newest('coop_payable_pending')} union all ${newest('coop_payable_available')}) l
       join journal_entries e on e.id = l.entry_id
     order by l.id desc limit 100`,
  );
  const inList = await explain(
    `select l.*, e.kind from journal_lines l join journal_entries e on e.id = l.entry_id
     where l.account in ('coop_payable_pending', 'coop_payable_available') and l.org_id = $1
     order by l.id desc limit 100`,
  );
  return `the app's read (two ordered reads, merged):\n${app}\n\nthe single IN-list read it replaced:\n${inList}`;
}
const lineCount = async () => Number((await q<{ n: string }>('select count(*) as n from journal_lines'))[0]!.n);

const { app, base } = await benchApp(stack.databaseUrl, stack.redisUrl);
const tokenOf = async (email: string) => (await benchLogin(base, email)).accessToken;
// Fetched again before each phase: filling the journal can outlast an access token.
let coopToken = await tokenOf('coop@demo.shanhai');
let officeToken = await tokenOf('office@demo.shanhai');
const freshTokens = async () => {
  [coopToken, officeToken] = [await tokenOf('coop@demo.shanhai'), await tokenOf('office@demo.shanhai')];
};

/** `READS` balance reads one after another: p50 and p99 in ms, and the available balance read. */
async function balanceReads() {
  await freshTokens(); // 2,000 reads on a loaded VM can outlast an access token
  const times: number[] = [];
  let available = 0;
  for (let i = 0; i < READS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/balances/mine`, { headers: { authorization: `Bearer ${coopToken}` } });
    const body = (await res.json()) as { availableFen: number; lines: unknown[] };
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`balance answered ${res.status}`);
    if (body.lines.length !== 100) throw new Error(`the page held ${body.lines.length} lines, not the full 100`);
    available = body.availableFen;
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), available };
}

async function settle(periodStart: string, periodEnd: string) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/settlements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${officeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cadence: 'monthly', periodStart, periodEnd }),
  });
  const seconds = (performance.now() - t0) / 1000;
  // The detail holds the first page of its statements and payouts; the counts are of all of them.
  const body = (await res.json()) as {
    id: string;
    statementCount: number;
    payoutCount: number;
    payoutTotalFen: number;
  };
  if (res.status !== 201) throw new Error(`settlement answered ${res.status}: ${JSON.stringify(body).slice(0, 400)}`);
  return { seconds, body };
}

try {
  // 10,000 lines: the first 2,000 orders of October.
  const small = ORDERS_PER_MONTH === 100_000 ? 2_000 : Math.round(ORDERS_PER_MONTH / 50);
  // The demo cooperative gets 40 of them (120 payable lines), so that its page of newest lines is
  // full (100, the web's page) at both sizes: the two rounds answer the same page, only the
  // journal under it differs. Before 2026-12-03 it had 4 orders (12 lines) in the small journal.
  await orders(0, small, '2026-10-01T00:00:00+08:00', DEMO_SMALL_ORDERS);
  const linesSmall = await lineCount();
  await balanceReads(); // warm-up: the first round pays for the JIT and the pools, not for the journal
  const readsSmall = await balanceReads();
  const planSmall = EXPLAIN ? await newestLinesPlan() : '';

  // Fill to 1,000,000: the rest of October, then November.
  const t0 = performance.now();
  await orders(small, ORDERS_PER_MONTH - small, '2026-10-01T00:00:00+08:00');
  await orders(ORDERS_PER_MONTH, ORDERS_PER_MONTH, '2026-11-01T00:00:00+08:00');
  const fillSeconds = (performance.now() - t0) / 1000;
  const linesLarge = await lineCount();
  const [unbalanced] = await q<{ n: string }>(
    `select count(*) as n from (select entry_id from journal_lines group by entry_id
       having sum(debit_fen) <> sum(credit_fen)) x`,
  );
  if (Number(unbalanced!.n) !== 0) throw new Error(`${unbalanced!.n} generated entries do not balance`);
  await freshTokens();
  await balanceReads(); // the same warm-up as the small journal's
  const readsLarge = await balanceReads();
  const planLarge = EXPLAIN ? await newestLinesPlan() : '';

  const ratio = readsLarge.p99 / readsSmall.p99;
  const header = () => {
    const load1 = loadavg();
    console.log(
      `\nbench:settlement — ${started.toISOString()}, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at start, ${load1.map((x) => x.toFixed(1)).join(' ')} at end\n`,
    );
    console.log(`journal filled in bulk: ${linesLarge.toLocaleString('en')} lines in ${fillSeconds.toFixed(1)} s\n`);
    console.log('| balance reads (GET /balances/mine, one at a time) | journal lines | p50 ms | p99 ms |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(
      `| small journal | ${linesSmall.toLocaleString('en')} | ${readsSmall.p50.toFixed(2)} | ${readsSmall.p99.toFixed(2)} |`,
    );
    console.log(
      `| large journal | ${linesLarge.toLocaleString('en')} | ${readsLarge.p50.toFixed(2)} | ${readsLarge.p99.toFixed(2)} |`,
    );
    console.log(
      `| **p99 ratio large / small** | | | **${ratio.toFixed(2)}** (aim ≤ ${READ_RATIO_AIM}: ${ratio <= READ_RATIO_AIM ? 'met' : 'NOT met'}) |`,
    );
    if (EXPLAIN)
      console.log(
        `\nthe newest-lines read at ${linesSmall.toLocaleString('en')} lines:\n${planSmall}\n\nat ${linesLarge.toLocaleString('en')} lines:\n${planLarge}`,
      );
  };
  if (ONLY_READS) {
    header();
    console.log(
      `\nBENCH_PARTS=reads: no settlements; the demo cooperative's available balance read ${(readsLarge.available / 100).toFixed(2)} 元`,
    );
  } else {
    await freshTokens();

    // October, settled and paid (its payouts marked in bulk through the same journal shape)…
    const october = await settle('2026-10-01', '2026-10-31');
    await q(
      `with p as (update payouts set status = 'paid', paid_at = $2::timestamptz, bank_reference = 'BENCH-' || seq
         where settlement_id = $1 returning id, cooperative_id, amount_fen),
       e as (insert into journal_entries (kind, source_type, source_id, idempotency_key, occurred_at)
         select 'payout'::journal_entry_kind, 'payout', id::text, 'payout:payout:' || id, $2::timestamptz from p
         returning id, source_id)
       insert into journal_lines (entry_id, account, org_id, bank_ref, debit_fen, credit_fen, occurred_at)
       select e.id, 'coop_payable_available'::journal_account, p.cooperative_id, null, p.amount_fen, 0, $2::timestamptz
         from e join p on p.id::text = e.source_id
       union all
       select e.id, 'platform_bank', null, 'default', 0, p.amount_fen, $2::timestamptz
         from e join p on p.id::text = e.source_id`,
      [october.body.id, '2026-11-05T10:00:00+08:00'],
    );
    await q(
      `insert into account_balances (account, org_id, bank_ref, debit_fen, credit_fen, line_count)
       select l.account, l.org_id, l.bank_ref, sum(l.debit_fen), sum(l.credit_fen), count(*)
       from journal_lines l join journal_entries e on e.id = l.entry_id where e.kind = 'payout'
       group by l.account, l.org_id, l.bank_ref
       on conflict on constraint account_balances_key do update set
         debit_fen = account_balances.debit_fen + excluded.debit_fen,
         credit_fen = account_balances.credit_fen + excluded.credit_fen,
         line_count = account_balances.line_count + excluded.line_count`,
    );
    await q('analyze journal_lines; analyze payouts');
    // …then November: the settlement the aim is about.
    const november = await settle('2026-11-01', '2026-11-30');
    const [check] = await q<{ items: string; accepted: string; expected: string }>(
      `select (select count(*) from settlement_items i join settlement_statements s on s.id = i.statement_id
                where s.settlement_id = $1 and i.kind = 'acceptance') as items,
              (select sum(accepted_fen) from settlement_statements where settlement_id = $1) as accepted,
              (select sum(1000 + (k * 7919) % 9000) from generate_series($2::int, $3::int) k) as expected`,
      [november.body.id, ORDERS_PER_MONTH, 2 * ORDERS_PER_MONTH - 1],
    );
    const octoberOwed = Number(october.body.payoutTotalFen);
    if (Number(check!.items) !== ORDERS_PER_MONTH || Number(check!.accepted) !== Number(check!.expected))
      throw new Error(`November's statements do not add up: ${JSON.stringify(check)}`);

    header();
    console.log(
      '\n| settlement (POST /settlements, monthly) | accepted orders | statements | payouts | s | under 10 s |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const [name, s] of [
      ['October (first)', october],
      ['November (after October paid)', november],
    ] as const)
      console.log(
        `| ${name} | ${ORDERS_PER_MONTH.toLocaleString('en')} | ${s.body.statementCount} | ${s.body.payoutCount} | ${s.seconds.toFixed(2)} | ${s.seconds < SETTLE_AIM_S ? 'yes' : 'no'} |`,
      );
    console.log(
      `\nchecked: November lists ${Number(check!.items).toLocaleString('en')} acceptances totalling ${(Number(check!.accepted) / 100).toFixed(2)} 元 (as generated); October paid ${(octoberOwed / 100).toFixed(2)} 元 to ${october.body.payoutCount} cooperatives; the demo cooperative's available balance read ${(readsLarge.available / 100).toFixed(2)} 元`,
    );
  }
} finally {
  await app.close();
  await h.close();
  await stack.stop();
}
