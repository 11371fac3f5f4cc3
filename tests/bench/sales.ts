/**
 * `pnpm --filter @shanhai/tests bench:sales`: the sales ledger's tally worker and the leaderboard.
 *
 * 1. Commit → SSE lag (p50/p99) under a sustained 1,000 sales/s, through the real worker and api.
 * 2. GET /api/v1/leaderboard req/s and p99 against a bare Fastify route answering a small JSON (the
 *    issue's baseline) and a bare route answering the board's own bytes (what the size costs),
 *    loaded alternately in the same run, with the demo ledger (~17k rows) and again with ~1,000,000.
 * 3. Tally throughput: folding ~1,000,000 untallied rows (rows/s).
 * 4. A full reconcile over the 1,000,000-row ledger (seconds).
 *
 * The api and the bare route each run in their own process (serve.ts); the worker runs in this one.
 * Step 2's load generator is wrk when it is on PATH (`apt-get install wrk`), else autocannon in this
 * process; while it loads, the server under load has core 0 to itself and the load generator the
 * others (support.ts `cpuPlan`). Flags: `--reads-only` measures step 2 on the demo ledger only;
 * `--autocannon` loads with autocannon even where wrk is installed; `--no-pin` pins nothing;
 * `--cpu-prof` writes the CPU profiles of the api and of the bare server to ./bench-profiles when they close.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { appendSales, createDb, foldAll, reconcileTallies, schema, type LedgerRow } from '@shanhai/db';
import { QUEUES, TALLY_DEDUP_ID } from '@shanhai/domain';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime } from '@shanhai/worker/runtime';
import {
  benchApiConfig,
  benchStack,
  benchWorkerConfig,
  compareAlternately,
  cpuPlan,
  printTable,
  ratio,
  startServer,
  wrkVersion,
  type Comparison,
  type LoadPlan,
} from './support';

const SALES_PER_SECOND = 1_000;
const LAG_SECONDS = 10;
const BIG_LEDGER = 1_000_000;
/** Each target is loaded `rounds` times for `seconds`, alternating with the other. */
const wrk = process.argv.includes('--autocannon') ? undefined : wrkVersion();
const READ_LOAD: LoadPlan = {
  rounds: 10,
  seconds: 3,
  connections: 10,
  pipelining: 1,
  warmupSeconds: 1,
  loader: wrk ? 'wrk' : 'autocannon',
  cpus: process.argv.includes('--no-pin') ? undefined : cpuPlan(),
};
const readsOnly = process.argv.includes('--reads-only');
const cpuProfDir = process.argv.includes('--cpu-prof') ? 'bench-profiles' : undefined;

const stack = await benchStack('sales');
const prefix = `b${randomBytes(3).toString('hex')}`;
const h = createDb(stack.databaseUrl, { max: 4 });
const apiConfig = benchApiConfig(stack.databaseUrl, stack.redisUrl, { redisPrefix: prefix });
const worker = await startRuntime(benchWorkerConfig(stack, prefix, 5), createLogger('silent'));
const towns = (await h.db.select({ id: schema.towns.id }).from(schema.towns)).map((t) => t.id);
const ledgerRows = async () =>
  (await h.db.execute<{ n: number }>(sql`select count(*)::int as n from sales`)).rows[0]!.n;
const pctile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

// ---- 1. Commit → SSE lag under a sustained load ---------------------------------------------
async function lagUnderLoad() {
  const lagApi = await startServer('api', { config: apiConfig, cpuProfDir });
  const pending: { id: number; at: number }[] = [];
  const lags: number[] = [];
  let events = 0;
  const stream = await new Promise<IncomingMessage>((resolve) => {
    httpRequest(`${lagApi.url}/api/v1/leaderboard/stream`, (res) => resolve(res)).end();
  });
  let checking = false;
  stream.on('data', (chunk: Buffer) => {
    if (!chunk.toString().includes('event: changed')) return;
    const at = performance.now();
    events++;
    if (checking) return;
    checking = true;
    // Every commit below the lowest untallied id is folded and announced by now.
    void h.db
      .execute<{ m: number | null }>(sql`select min(id)::bigint as m from sales where tallied_at is null`)
      .then((r) => {
        const m = r.rows[0]?.m ?? Number.MAX_SAFE_INTEGER;
        while (pending.length && pending[0]!.id < m) lags.push(at - pending.shift()!.at);
        checking = false;
      });
  });
  const producer = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(QUEUES.tally, { connection: producer, prefix: `${prefix}:bull` });
  // Commits are issued on a fixed clock, each its own transaction, without waiting for the
  // previous one (as many independent purchases would), so a slow commit does not lower the rate.
  const TICK_MS = 10;
  const perTick = (SALES_PER_SECOND * TICK_MS) / 1000;
  const start = performance.now();
  let seq = 0;
  let committed = 0;
  const inflight = new Set<Promise<void>>();
  const tick = async () => {
    const rows: LedgerRow[] = Array.from({ length: perTick }, () => ({
      source: 'order',
      sourceRef: `lag-${++seq}`,
      kind: 'sale',
      townId: towns[seq % towns.length]!,
      category: 'fruit',
      amountFen: 1000 + (seq % 97),
      businessDate: '2026-06-15',
    }));
    const ids = await appendSales(h.db, rows);
    const at = performance.now();
    committed += ids.length;
    pending.push({ id: Math.max(...ids), at });
    pending.sort((a, b) => a.id - b.id);
    await queue.add(
      'ledger-commit',
      { reason: 'ledger-commit' },
      { deduplication: { id: TALLY_DEDUP_ID }, removeOnComplete: 100 },
    );
  };
  for (let n = 0; performance.now() - start < LAG_SECONDS * 1000; n++) {
    const p = tick().finally(() => inflight.delete(p));
    inflight.add(p);
    const wait = start + (n + 1) * TICK_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inflight);
  const achieved = committed / ((performance.now() - start) / 1000);
  for (let i = 0; i < 100 && pending.length; i++) await new Promise((r) => setTimeout(r, 50));
  stream.destroy();
  await lagApi.close();
  await queue.close();
  producer.disconnect();
  return {
    committed,
    achieved: Math.round(achieved),
    events,
    p50: pctile(lags, 50),
    p99: pctile(lags, 99),
    max: pctile(lags, 100),
    measured: lags.length,
  };
}

// ---- 2. Leaderboard read throughput beside a bare route ---------------------------------------
/** What Chromium sends: the board then leaves as brotli (≈2 KB instead of ≈12 KB of JSON). */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

async function readBench(label: string): Promise<Comparison[]> {
  // The board reads no ledger rows, but PostgreSQL's own work after a big write (vacuum of the
  // folded rows, a checkpoint) would share the machine with the reads: do it first.
  await h.db.execute(sql`vacuum analyze sales`);
  await h.db.execute(sql`checkpoint`);
  // All three servers start here, alike: a process's history changes its cost per answer (the bare
  // server, kept from the first reads through the fold, answered its 30 bytes with more CPU than a
  // fresh one spent on 11.7 KB), and the comparison is between routes, not between old and new processes.
  const api = await startServer('api', { config: apiConfig, cpuProfDir });
  const bare = await startServer('bare', { cpuProfDir });
  const url = `${api.url}/api/v1/leaderboard?year=2026&by=town`;
  const first = await fetch(url, { headers: { 'accept-encoding': 'identity' } }); // fills the cache
  const identity = Buffer.from(await first.arrayBuffer());
  const total = (JSON.parse(identity.toString()) as { rows: { salesFen: number }[] }).rows.reduce(
    (n, r) => n + r.salesFen,
    0,
  );
  // Node's fetch decodes br: ask with a raw request to keep the bytes as sent.
  const br = await new Promise<Buffer>((resolve, reject) => {
    httpRequest(url, { headers: { 'accept-encoding': 'br' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    })
      .on('error', reject)
      .end();
  });
  // The total shows that the board read after the big fold is the new one (the cache was dropped).
  console.log(
    `\nGET /api/v1/leaderboard (${label}): ${identity.length} bytes of JSON (${br.length} as br), towns' sales ${total} fen`,
  );
  const same = await startServer('bare', {
    sameBytes: { identity: identity.toString('base64'), br: br.toString('base64') },
    cpuProfDir,
  });
  const comparisons: Comparison[] = [];
  for (const [how, headers] of [
    ['identity', {}],
    ['Accept-Encoding as a browser', { 'accept-encoding': BROWSER_ACCEPT_ENCODING }],
  ] as const) {
    comparisons.push(
      await compareAlternately(
        [
          {
            label: `bare Fastify route, small JSON (${label}, ${how})`,
            url: `${bare.url}/bare`,
            server: bare,
            headers,
          },
          {
            label: `bare Fastify route, the board's bytes (${label}, ${how})`,
            url: `${same.url}/same-bytes`,
            server: same,
            headers,
          },
          { label: `GET /api/v1/leaderboard (${label}, ${how})`, url, server: api, headers },
        ],
        READ_LOAD,
      ),
    );
  }
  await Promise.all([api.close(), bare.close(), same.close()]);
  return comparisons;
}

function report(comparisons: Comparison[]) {
  const { rounds, seconds, connections, pipelining, cpus } = READ_LOAD;
  const loader =
    wrk ??
    (process.argv.includes('--autocannon')
      ? 'autocannon (in this process)'
      : 'autocannon (in this process: wrk is not on PATH, and autocannon, not the server, may set the pace)');
  const how = `${loader}, ${cpus ? `servers on CPU ${cpus.server}, load generator on CPU ${cpus.loader}` : 'not pinned'}`;
  printTable(
    `Leaderboard reads (alternating, ${rounds} × ${seconds} s each, ${connections} connections, pipelining ${pipelining}; ${how})`,
    comparisons.flatMap((c) => c.results),
  );
  const rounded = (xs: number[]) => xs.map((r) => r.toFixed(2)).join(', ');
  for (const c of comparisons) {
    const [bareCpu, sameCpu, apiCpu] = c.serverCpuMicrosPerRequest as [number, number, number];
    const aim = ratio(c, 2, 0);
    const size = ratio(c, 1, 0);
    const app = ratio(c, 2, 1);
    console.log(
      `${c.results[2]!.label}:\n` +
        `  to the bare small JSON (the aim): ${aim.overall.toFixed(2)}, median round ${aim.median.toFixed(2)} (rounds ${rounded(aim.rounds)}); CPU per request ${apiCpu} vs ${bareCpu} µs (→ ${(bareCpu / apiCpu).toFixed(2)})\n` +
        `  to a bare route sending the same bytes: ${app.overall.toFixed(2)}, median round ${app.median.toFixed(2)}; CPU per request ${apiCpu} vs ${sameCpu} µs (→ ${(sameCpu / apiCpu).toFixed(2)})\n` +
        `  the same bytes from the bare route, to its small JSON: ${size.overall.toFixed(2)}, median round ${size.median.toFixed(2)}\n` +
        `  server CPU bare ${c.serverCpuPct[0]}%, same bytes ${c.serverCpuPct[1]}%, api ${c.serverCpuPct[2]}%; load generator CPU ${c.loaderCpuPct}%`,
    );
  }
}

/**
 * Issue 12's aim that the board does not slow down as the ledger grows: the board's p99 on the big
 * ledger over its p99 on the small one (≤ 1.2), median round and worst round, beside the same
 * figure for the bare small JSON (which reads nothing: what the machine's drift alone does).
 */
function flatness(small: Comparison[], big: Comparison[]) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('\nBoard p99 from the small ledger to the big one (aim ≤ 1.2), ms');
  console.log('| case | board small | board big | board big/small | bare JSON big/small |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  small.forEach((s, i) => {
    const b = big[i]!;
    const how = s.results[2]!.label.replace(/.*, /, '').replace(/\)$/, '');
    for (const [what, pick] of [
      ['median round', (c: Comparison, j: number) => median(c.roundP99ms[j]!)],
      ['worst round', (c: Comparison, j: number) => c.results[j]!.p99ms],
    ] as const) {
      const [boardSmall, boardBig] = [pick(s, 2), pick(b, 2)];
      console.log(
        `| ${how}, ${what} | ${boardSmall} | ${boardBig} | ${(boardBig / boardSmall).toFixed(2)} | ${(pick(b, 0) / pick(s, 0)).toFixed(2)} |`,
      );
    }
  });
}

async function finish(code: number) {
  await h.close();
  await stack.stop();
  process.exit(code);
}

if (readsOnly) {
  await worker.close();
  report(await readBench(`${Math.round((await ledgerRows()) / 1000)}k ledger rows`));
  await finish(0);
}

const lag = await lagUnderLoad();
console.log(
  `\nCommit → SSE lag at ${SALES_PER_SECOND} sales/s for ${LAG_SECONDS} s (achieved ${lag.achieved}/s, ${lag.committed} rows, ${lag.events} events, ${lag.measured} commits measured):`,
);
console.log(
  `| p50 ms | p99 ms | max ms |\n| ---: | ---: | ---: |\n| ${lag.p50.toFixed(0)} | ${lag.p99.toFixed(0)} | ${lag.max.toFixed(0)} |`,
);

// The worker stops here: it shared the load generator's process and would take from its core
// during the reads (the fold below is timed without it too).
await worker.close();
const smallRows = await ledgerRows();
const small = await readBench(`${Math.round(smallRows / 1000)}k ledger rows`);

// ---- 3. Tally throughput over ~1M rows (the worker is stopped so the fold is timed alone) -----
const t0 = performance.now();
const INSERT_CHUNK = 100_000;
for (let from = 1; from <= BIG_LEDGER - smallRows; from += INSERT_CHUNK)
  await h.db.execute(sql`
  insert into sales (source, source_ref, kind, town_id, buyer_org_id, category, amount_fen, business_date)
  select 'import', 'bench:' || g, 'sale', (${sql.raw(`array[${towns.map((t) => `'${t}'::uuid`).join(',')}]`)})[1 + g % ${towns.length}], null,
    (array['honey','fruit','tea','poultry']::category[])[1 + g % 4], 100 + g % 10000, date '2025-01-01' + (g % 690)
  from generate_series(${from}::int, ${Math.min(from + INSERT_CHUNK - 1, BIG_LEDGER - smallRows)}::int) g`);
const insertSeconds = (performance.now() - t0) / 1000;
const t1 = performance.now();
const folded = await foldAll(h.db);
const foldSeconds = (performance.now() - t1) / 1000;
console.log(
  `\nTally: inserted ${BIG_LEDGER - smallRows} rows in ${insertSeconds.toFixed(1)} s; folded ${folded.rows} rows in ${foldSeconds.toFixed(1)} s = ${Math.round(folded.rows / foldSeconds)} rows/s`,
);

// ---- 4. Full reconcile over the big ledger -----------------------------------------------------
const t2 = performance.now();
const rec = await reconcileTallies(h.db);
console.log(
  `Reconcile over ${rec.ledgerRows} ledger rows: ${((performance.now() - t2) / 1000).toFixed(1)} s, drift ${rec.driftRows}`,
);

// The fold above ran outside the worker and announced nothing: the api that readBench starts
// reads the new tallies when it builds its first board.
const big = await readBench(`${Math.round((await ledgerRows()) / 1000)}k ledger rows`);
report([...small, ...big]);
flatness(small, big);
await finish(0);
