/**
 * `pnpm --filter @shanhai/tests bench:bankmatch`: uploading a 10,000-row bank statement through
 * POST /api/v1/bank-statements (the real api in this process, over HTTP, multipart CSV), preview
 * and commit, in mixes of rows that confirm a transfer (each names a different purchase awaiting
 * exactly its amount) and rows for the matching queue (unknown references, no reference): none,
 * 1% and 10% confirm; with `--all` every row does (10,000 confirmations in one commit).
 *
 * Then the same statement again (every row a duplicate). Each mix runs on purchases of its own,
 * `BENCH_ROUNDS` times (default 3) on fresh purchases, and prints the median and the worst time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { createDb } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { benchApiFromEnv, benchLogin, benchStack } from './support';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT_SECONDS = 5;
/**
 * Load-independent figures beside the wall time: the statements the api sent PostgreSQL (every
 * `query` of node-postgres: one round trip each), the CPU time of this process (the api and the
 * client) and of PostgreSQL (the postmaster, its live children and the children it reaped).
 */
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
const TICK_MS = 10; // USER_HZ = 100 on Linux
const procStat = (pid: number | string) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
};
/** CPU ms of the PostgreSQL server so far: its own, its live children's, and its reaped children's. */
function postgresCpuMs(postmaster: number): number {
  const own = procStat(postmaster);
  // Fields after the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const st = procStat(pid);
      if (Number(st[1]) === postmaster) ticks += Number(st[11]) + Number(st[12]);
    } catch {
      // The process ended between the listing and the read: its time is in the parent's cutime now.
    }
  }
  return ticks * TICK_MS;
}

/**
 * Rows that confirm a transfer, per mix. Each confirmation is the office's own (confirmTransferTx:
 * a dozen statements: the purchase, its orders, transitions, payment, ledger rows, notifications,
 * audit), so the commit's time grows with them; `--all` adds the mix where every row confirms.
 */
const MIXES: [string, number][] = [
  ['none match', 0],
  ['1% match', Math.round(ROWS / 100)],
  ['10% match', Math.round(ROWS / 10)],
  ...(process.argv.includes('--all') ? ([['all match', ROWS]] as [string, number][]) : []),
];
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

const stack = await benchStack('bankmatch');
const h = createDb(stack.databaseUrl, { max: 4 });
const one = async <T>(text: string, values: unknown[] = []) => (await h.pool.query(text, values)).rows[0] as T;
const buyer = await one<{ org_id: string; id: string }>(
  "select org_id, id from users where email = 'buyer@demo.shanhai'",
);
const { pid: checkpointer } = await one<{ pid: number }>(
  "select pid from pg_stat_activity where backend_type = 'checkpointer'",
);
const postmaster = Number(procStat(checkpointer)[1]);
const coop = await one<{ org_id: string }>("select org_id from users where email = 'coop@demo.shanhai'");
const product = await createProduct(h.db, {
  cooperativeId: coop.org_id,
  stock: 1_000_000,
  priceTiers: [{ minQty: 1, unitPriceFen: 100 }],
});

let serial = 0;
/** A remittance reference of the checkout's shape, unique across the run. */
function reference(): string {
  let n = serial++;
  let s = '';
  for (let i = 0; i < 6; i++) {
    s += ALPHABET[n % ALPHABET.length];
    n = Math.floor(n / ALPHABET.length);
  }
  return `SH261203${s}`;
}

/** `n` transfer purchases awaiting payment, one order of one line each, written in bulk. */
async function awaitingPurchases(n: number): Promise<{ ref: string; totalFen: number }[]> {
  const ps = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    orderId: randomUUID(),
    ref: reference(),
    qty: 1 + (i % 50),
  }));
  const col = <K extends keyof (typeof ps)[number]>(k: K) => ps.map((p) => p[k]);
  await h.pool.query(
    `insert into purchases (id, buyer_org_id, created_by, status, payment_method, total_fen, remittance_ref, delivery_address, expires_at)
     select id, $1, $2, 'awaiting_payment', 'transfer', qty * 100, ref, '广州市天河区', now() + interval '72 hours'
     from unnest($3::uuid[], $4::text[], $5::int[]) as t(id, ref, qty)`,
    [buyer.org_id, buyer.id, col('id'), col('ref'), col('qty')],
  );
  await h.pool.query(
    `insert into orders (id, purchase_id, buyer_org_id, cooperative_id, status, total_fen)
     select oid, pid, $1, $2, 'awaiting_payment', qty * 100 from unnest($3::uuid[], $4::uuid[], $5::int[]) as t(oid, pid, qty)`,
    [buyer.org_id, coop.org_id, col('orderId'), col('id'), col('qty')],
  );
  await h.pool.query(
    `insert into order_lines (order_id, product_id, town_id, category, name_zh, unit_label, qty, unit_price_fen, line_total_fen)
     select oid, p.id, p.town_id, p.category, p.name_zh, p.unit_label, qty, 100, qty * 100
     from unnest($1::uuid[], $2::int[]) as t(oid, qty), products p where p.id = $3`,
    [col('orderId'), col('qty'), product.id],
  );
  await h.pool.query(
    `insert into payments (purchase_id, method, amount_fen) select pid, 'transfer', qty * 100 from unnest($1::uuid[], $2::int[]) as t(pid, qty)`,
    [col('id'), col('qty')],
  );
  return ps.map((p) => ({ ref: p.ref, totalFen: p.qty * 100 }));
}

/** A statement of `ROWS` rows of which `matching` pay their purchases exactly. */
async function statement(matching: number): Promise<Buffer> {
  const owed = await awaitingPurchases(matching);
  const tag = randomBytes(3).toString('hex');
  const lines = ['交易日期,交易流水号,对方户名,对方账号,贷方金额,附言'];
  for (let i = 0; i < ROWS; i++) {
    const p = owed[i];
    const memo = p
      ? `货款 ${p.ref}`
      : i % 3 === 0
        ? `货款 ${reference()}` // unknown reference
        : i % 3 === 1
          ? '工会会费'
          : `采购款 第${i}笔`;
    const amount = p ? p.totalFen : 100 + (i % 997);
    lines.push(
      `2026-12-03,BK${tag}${String(i).padStart(6, '0')},广州市某采购单位${i % 40},4400${String(i).padStart(12, '0')},${(amount / 100).toFixed(2)},${memo}`,
    );
  }
  return Buffer.from(lines.join('\n'));
}

const { api, apiUrl } = await benchApiFromEnv(stack);
const { accessToken } = await benchLogin(apiUrl, 'office@demo.shanhai');

async function upload(file: Buffer, dryRun: boolean) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(file)], { type: 'text/csv' }), 'statement.csv');
  const [q0, cpu0, pg0] = [statements, process.cpuUsage(), postgresCpuMs(postmaster)];
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/api/v1/bank-statements?dryRun=${dryRun}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
    body: form,
  });
  const body = (await res.json()) as { matchedRows: number; newRows: number; duplicateRows: number };
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cost = {
    statements: statements - q0,
    nodeCpuMs: (cpu.user + cpu.system) / 1000,
    pgCpuMs: postgresCpuMs(postmaster) - pg0,
  };
  if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
  return { seconds, body, cost };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Cost = { statements: number; nodeCpuMs: number; pgCpuMs: number };
const results: { mix: string; step: string; times: number[]; costs: Cost[]; check: string }[] = [];
try {
  for (const [mix, matching] of MIXES) {
    const steps = { preview: [] as number[], commit: [] as number[], again: [] as number[] };
    const costs = { preview: [] as Cost[], commit: [] as Cost[], again: [] as Cost[] };
    let check = '';
    for (let r = 0; r < ROUNDS; r++) {
      const file = await statement(matching);
      const preview = await upload(file, true);
      const commit = await upload(file, false);
      const again = await upload(file, false);
      if (commit.body.matchedRows !== matching || again.body.duplicateRows !== ROWS)
        throw new Error(`unexpected outcome: ${JSON.stringify({ commit: commit.body, again: again.body })}`);
      steps.preview.push(preview.seconds);
      steps.commit.push(commit.seconds);
      steps.again.push(again.seconds);
      costs.preview.push(preview.cost);
      costs.commit.push(commit.cost);
      costs.again.push(again.cost);
      check = `${commit.body.matchedRows} confirmed, ${ROWS - matching} queued; again: ${again.body.duplicateRows} duplicates`;
    }
    for (const [step, times] of Object.entries(steps))
      results.push({ mix, step, times, costs: costs[step as keyof typeof costs], check });
  }
  const [load1] = (await import('node:os')).loadavg();
  console.log(
    `\nbench:bankmatch — ${ROWS.toLocaleString('en')}-row statement, ${ROUNDS} rounds each, load average ${load1!.toFixed(1)} at the end\n`,
  );
  console.log(
    '| mix | step | median s | worst s | under 5 s | statements | per 1,000 rows | api CPU ms | PostgreSQL CPU ms | CPU ms per 1,000 rows | outcome |',
  );
  console.log('| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    const worst = Math.max(...r.times);
    const step = { preview: 'preview (dry run)', commit: 'commit', again: 'same file again' }[r.step];
    const c = r.costs.reduce((a, x) => (x.nodeCpuMs + x.pgCpuMs < a.nodeCpuMs + a.pgCpuMs ? x : a));
    const perK = (x: number) => ((x * 1000) / ROWS).toFixed(1);
    console.log(
      `| ${r.mix} | ${step} | ${median(r.times).toFixed(2)} | ${worst.toFixed(2)} | ${worst < LIMIT_SECONDS ? 'yes' : 'no'} | ${c.statements} | ${perK(c.statements)} | ${c.nodeCpuMs.toFixed(0)} | ${c.pgCpuMs.toFixed(0)} | ${perK(c.nodeCpuMs + c.pgCpuMs)} | ${r.check} |`,
    );
  }
} finally {
  await api.close();
  await h.close();
  await stack.stop();
}
