/**
 * `pnpm --filter @shanhai/tests bench:notify`: a burst of notification events (`BENCH_EVENTS`,
 * default 10,000) committed in transactions of 100 by four writers with no worker running, then
 * handed on by one worker (the dispatcher and the email queue, `EMAIL_CONCURRENCY` 16, a pool of
 * 8 SMTP connections) to a real SMTP server (`smtp-server`) on a free port. Prints how long the
 * burst took to write, and from the worker's start to the SMTP server's acceptance of the last
 * message. Aim (issue 17): every email handed over within 60 s. The SMTP server runs in its own
 * process (tests/bench/smtp-process.ts), as a mail server does.
 *
 * Then `POST /api/v1/purchases` with notifications on against off, in alternating rounds
 * (`BENCH_ROUNDS`, default 5, of `BENCH_SECONDS`, default 5): two buyer orgs alike (an owner, a
 * manager, the member who buys; 3 lines from 2 cooperatives, as bench:orders), one whose purchases
 * wait for approval (threshold 0: each purchase tells the owner and the manager, in the bell and
 * by email) and one without a threshold (the same purchase tells nobody). The worker runs in its
 * own process throughout, dispatching and emailing to the SMTP process. Aim (issue 17): on ≥ 0.95
 * × off (median of the rounds' ratios).
 *
 * `BENCH_PIN=1` (Linux, `taskset`): the benchmark's process (the api and the load generator) and
 * PostgreSQL on CPU 0, the worker, Redis and the SMTP process on CPU 1 — the worker and its mail
 * server on a core of their own, as when the worker is deployed on its own machine. Both sides run
 * pinned alike; the figure is a second signal beside the shared-core one, not a replacement.
 *
 * Beside purchases/s, each side's CPU time per purchase, process by process (read from /proc, so
 * it moves little with what else the machine runs): the api (in its own process), PostgreSQL's
 * backends of the api and of the worker and the rest of PostgreSQL, Redis, the worker, the SMTP
 * process and the load generator. `BENCH_PGSS=1` loads pg_stat_statements into the benchmark's
 * PostgreSQL and prints, per side, the statements that took the most time per purchase.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { loadConfig } from '@shanhai/api/env';
import { createDb, notify } from '@shanhai/db';
import { createOrg, createProduct, createUser, TEST_PASSWORD } from '@shanhai/db/testing';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime } from '@shanhai/worker/runtime';
import { benchStack, load, printTable, startServer, type LoadResult } from './support';
import { startSmtpProcess } from './smtp-process';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const PER_TRANSACTION = 100;
const WRITERS = 4;
const DEADLINE_MS = 600_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 10;

const PIN = process.env.BENCH_PIN === '1';
const PGSS = process.env.BENCH_PGSS === '1';

const PARTS = [
  'api',
  'PostgreSQL: api connections',
  'PostgreSQL: worker connections',
  'PostgreSQL: the rest',
  'Redis',
  'worker',
  'SMTP process',
  'load generator',
] as const;
type Part = (typeof PARTS)[number];
interface Statement {
  calls: number;
  ms: number;
  rows: number;
}

/** A process's CPU time (user + system) in ms from /proc, with that of its exited children when asked. */
function cpuMs(pid: number, withExitedChildren = false): number {
  let f: string[];
  try {
    f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return 0; // gone since it was listed
  }
  // utime, stime, cutime, cstime are fields 14–17 of stat(5); here counted from field 3.
  const ticks = Number(f[11]) + Number(f[12]) + (withExitedChildren ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
/** Every thread of `pid` onto `cpu` (children started later inherit it). */
const pin = (pid: number | undefined, cpu: number) => {
  if (PIN && pid) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
};
pin(process.pid, 0);
const stack = await benchStack(
  'notify',
  PGSS ? { postgresSettings: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] } : {},
);
const smtp = await startSmtpProcess();
pin(smtp.pid, 1);
if (PIN)
  for (const pid of execFileSync('pgrep', ['-P', String(process.pid), 'redis-server'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean))
    pin(Number(pid), 1);
const h = createDb(stack.databaseUrl, { max: WRITERS + 1 });
try {
  const [buyer] = (
    await h.db.execute<{ id: string; org_id: string }>(
      sql`select id, org_id from users where email = 'buyer@demo.shanhai'`,
    )
  ).rows;
  const writeStarted = performance.now();
  const writer = async (w: number) => {
    for (let i = w * PER_TRANSACTION; i < EVENTS; i += WRITERS * PER_TRANSACTION)
      await h.db.transaction(async (tx) => {
        for (let j = i; j < Math.min(EVENTS, i + PER_TRANSACTION); j++)
          await notify(tx, {
            kind: 'purchase.expired',
            orgId: buyer!.org_id,
            userIds: [buyer!.id],
            subject: { type: 'purchase', id: `bench-${j}` },
            link: `/purchases/bench-${j}`,
            params: { ref: `SHB${String(j).padStart(6, '0')}` },
          });
      });
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const written = performance.now();

  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const runtime = await startRuntime(
    {
      databaseUrl: stack.databaseUrl,
      databasePoolMax: 10,
      redisUrl: stack.redisUrl,
      redisPrefix: 'bench-notify',
      logLevel: 'silent',
      concurrency: 4,
      smtpUrl: smtp.url,
      emailConcurrency: 16,
    },
    createLogger('silent'),
  );
  try {
    for (let accepted = 0; accepted < EVENTS; accepted = await smtp.accepted()) {
      if (performance.now() - started > DEADLINE_MS) throw new Error(`only ${accepted} of ${EVENTS} accepted`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = performance.now();
    // The worker's CPU (this process: the worker and a poll of the SMTP process every 20 ms): what
    // an email costs it, whatever else the machine runs.
    const cpu = process.cpuUsage(cpuStarted);
    // Each row is marked sent just after its message was accepted.
    const sentRows = async () =>
      (await h.db.execute<{ n: number }>(sql`select count(*)::int as n from notifications where email_status = 'sent'`))
        .rows[0]!.n;
    let sent = await sentRows();
    while (sent < EVENTS && performance.now() - started < DEADLINE_MS) {
      await new Promise((r) => setTimeout(r, 100));
      sent = await sentRows();
    }
    const s = (ms: number) => (ms / 1000).toFixed(1);
    console.log(`\n### bench:notify: ${EVENTS.toLocaleString('en')} events → SMTP\n`);
    console.log(
      '| events | burst written in s (4 writers) | worker start → last accepted s | emails/s | worker CPU s | worker CPU ms per email | rows marked sent |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const cpuS = (cpu.user + cpu.system) / 1e6;
    console.log(
      `| ${EVENTS} | ${s(written - writeStarted)} | ${s(done - started)} | ${Math.round(EVENTS / ((done - started) / 1000))} | ${cpuS.toFixed(1)} | ${((cpuS * 1000) / EVENTS).toFixed(2)} | ${sent} |`,
    );
  } finally {
    await runtime.close();
  }
  // BENCH_PURCHASES=0: the burst alone (e.g. to compare two versions of the mail path).
  if (process.env.BENCH_PURCHASES !== '0') await purchasesOnAndOff();
} finally {
  await h.close();
  await smtp.close();
  await stack.stop();
}

/** `POST /api/v1/purchases` by a member whose purchases notify (approval needed) and by one whose do not. */
async function purchasesOnAndOff(): Promise<void> {
  const member = async (approvalThresholdFen: number | null) => {
    const org = await createOrg(h.db, { kind: 'buyer', approvalThresholdFen });
    await createUser(h.db, { orgId: org.id, role: 'owner' });
    await createUser(h.db, { orgId: org.id, role: 'manager' });
    return createUser(h.db, { orgId: org.id, role: 'member' });
  };
  const on = await member(0);
  const off = await member(null);
  const coopOf = async (email: string) =>
    (await h.db.execute<{ org_id: string }>(sql`select org_id from users where email = ${email}`)).rows[0]!.org_id;
  const tiers = [
    { minQty: 1, unitPriceFen: 5000 },
    { minQty: 10, unitPriceFen: 4500 },
  ];
  const coops = [
    await coopOf('coop@demo.shanhai'),
    await coopOf('coop@demo.shanhai'),
    await coopOf('coop2@demo.shanhai'),
  ];
  const lines: { productId: string; qty: number }[] = [];
  for (const [i, cooperativeId] of coops.entries()) {
    const p = await createProduct(h.db, { cooperativeId, stock: 100_000_000, priceTiers: tiers });
    lines.push({ productId: p.id, qty: 2 + i * 5 });
  }

  // The worker in its own process, as deployed: dispatching and emailing while the api takes purchases.
  // BENCH_WORKER=0: no worker, so the difference is only what the purchase itself writes.
  const worker =
    process.env.BENCH_WORKER === '0'
      ? null
      : fork(fileURLToPath(new URL('../../apps/worker/src/main.ts', import.meta.url)), [], {
          execArgv: ['--import', 'tsx'],
          stdio: 'inherit',
          env: {
            ...process.env,
            DATABASE_URL: stack.databaseUrl,
            REDIS_URL: stack.redisUrl,
            REDIS_PREFIX: 'bench-purchases',
            LOG_LEVEL: 'warn',
            HEALTH_PORT: '0',
            SMTP_URL: smtp.url,
          },
        });
  pin(worker?.pid, 1);
  // The api in its own process (as deployed), so its CPU is told apart from the load generator's.
  const api = await startServer('api', {
    config: loadConfig({
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      REDIS_PREFIX: 'bench-purchases',
      JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_MAX: '10',
      LOGIN_MAX_PER_ACCOUNT: '100000',
      LOGIN_MAX_PER_IP: '100000',
    }),
  });
  pin(api.pid, 0);
  if (PGSS) await h.db.execute(sql`create extension if not exists pg_stat_statements`);
  try {
    const url = `${api.url}/api/v1/purchases`;
    const tokenOf = async (email: string) => {
      const res = await fetch(`${api.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: TEST_PASSWORD }),
      });
      return ((await res.json()) as { accessToken: string }).accessToken;
    };
    const tokens = { on: await tokenOf(on.email), off: await tokenOf(off.email) };
    const emailsBefore = await smtp.accepted();
    const run = (side: 'on' | 'off', label: string, durationSeconds = SECONDS) =>
      load({
        url,
        method: 'POST',
        body: JSON.stringify({ paymentMethod: 'transfer', lines }),
        connections: CONNECTIONS,
        durationSeconds,
        label,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[side]}` },
        setupRequest: (req: { headers?: Record<string, string> }) => ({
          ...req,
          headers: { ...req.headers, 'idempotency-key': randomUUID() },
        }),
      });
    await run('off', 'warm-up', 2);
    await run('on', 'warm-up', 2);
    const postmaster = Number(
      execFileSync('pgrep', ['-P', String(process.pid), '-x', 'postgres'], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    const redisPid = Number(
      execFileSync('pgrep', ['-P', String(process.pid), 'redis-server'], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    // Each process's CPU time (user + system) while each side's rounds ran, in ms.
    const parts = (): Map<Part, number> => new Map(PARTS.map((p) => [p, 0]));
    const cpu = { on: parts(), off: parts() };
    interface Snapshot {
      own: Map<Part, number>;
      /** PostgreSQL's processes: each child of the postmaster by pid (with whose connection it serves). */
      backends: Map<number, { part: Part; ms: number }>;
      /** The postmaster's own CPU and that of its children that exited (a closed connection's backend). */
      postmasterMs: number;
    }
    const snapshot = async (): Promise<Snapshot> => {
      const own = parts();
      own.set('api', cpuMs(api.pid));
      const me = process.cpuUsage();
      own.set('load generator', (me.user + me.system) / 1000);
      if (worker?.pid) own.set('worker', cpuMs(worker.pid));
      if (smtp.pid) own.set('SMTP process', cpuMs(smtp.pid));
      own.set('Redis', cpuMs(redisPid));
      const apps = new Map(
        (
          await h.db.execute<{ pid: number; application_name: string }>(
            sql`select pid, application_name from pg_stat_activity`,
          )
        ).rows.map((r) => [r.pid, r.application_name]),
      );
      const backends = new Map<number, { part: Part; ms: number }>();
      for (const pid of childrenOf(postmaster)) {
        const app = apps.get(pid) ?? '';
        const part: Part = app.startsWith('shanhai-api')
          ? 'PostgreSQL: api connections'
          : app.startsWith('shanhai-worker')
            ? 'PostgreSQL: worker connections'
            : 'PostgreSQL: the rest';
        backends.set(pid, { part, ms: cpuMs(pid) });
      }
      return { own, backends, postmasterMs: cpuMs(postmaster, true) };
    };
    /** Adds what each process used between two snapshots to `into`. */
    const addDelta = (into: Map<Part, number>, a: Snapshot, b: Snapshot) => {
      const add = (p: Part, ms: number) => into.set(p, into.get(p)! + ms);
      for (const [p, ms] of b.own) add(p, ms - a.own.get(p)!);
      for (const [pid, x] of b.backends) add(x.part, x.ms - (a.backends.get(pid)?.ms ?? 0));
      // An exited backend's whole CPU time joins the postmaster's children's: less what it had used before.
      let rest = b.postmasterMs - a.postmasterMs;
      for (const [pid, x] of a.backends) if (!b.backends.has(pid)) rest -= x.ms;
      add('PostgreSQL: the rest', rest);
    };
    const statements = { on: new Map<string, Statement>(), off: new Map<string, Statement>() };
    const pgssRead = async (into: Map<string, Statement>) => {
      const r = await h.db.execute<{ query: string; calls: number; ms: number; rows: number }>(sql`
        select s.query, sum(s.calls)::float8 as calls, sum(s.total_exec_time)::float8 as ms, sum(s.rows)::float8 as rows
        from pg_stat_statements s join pg_database d on d.oid = s.dbid
        where d.datname = current_database() and s.query not like '%pg_stat%'
        group by s.query`);
      for (const x of r.rows) {
        const q = x.query.replace(/\s+/g, ' ').slice(0, 110);
        const was = into.get(q) ?? { calls: 0, ms: 0, rows: 0 };
        into.set(q, { calls: was.calls + x.calls, ms: was.ms + x.ms, rows: was.rows + x.rows });
      }
    };
    const measured = async (side: 'on' | 'off', round: number) => {
      if (PGSS) await h.db.execute(sql`select pg_stat_statements_reset()`);
      const before = await snapshot();
      const r = await run(side, `notifications ${side}, round ${round}`);
      addDelta(cpu[side], before, await snapshot());
      if (PGSS) await pgssRead(statements[side]);
      return r;
    };
    const rows: LoadResult[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Which side goes first alternates too, so neither always meets the other's leftover emails.
      const first = round % 2 === 1 ? 'off' : 'on';
      const a = await measured(first, round);
      const second = first === 'off' ? 'on' : 'off';
      const b = await measured(second, round);
      const [offR, onR] = first === 'off' ? [a, b] : [b, a];
      rows.push(offR, onR);
      ratios.push(onR.rps / offR.rps);
    }
    const counts = (
      await h.db.execute<{ purchases: number; pending: number; notified: number; sent: number }>(sql`
        select (select count(*)::int from purchases where created_by in (${on.id}, ${off.id})) as purchases,
          (select count(*)::int from purchases where created_by = ${on.id}) as pending,
          (select count(*)::int from notifications where kind = 'purchase.approval_needed' and org_id = ${on.orgId}) as notified,
          (select count(*)::int from notifications where kind = 'purchase.approval_needed' and org_id = ${on.orgId} and email_status = 'sent') as sent`)
    ).rows[0]!;
    printTable(
      `\n### POST /api/v1/purchases, notifications on against off: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s`,
      rows,
    );
    const sorted = [...ratios].sort((x, y) => x - y);
    console.log(
      `\nratio (purchases/s, on ÷ off) per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (aim ≥ 0.95)`,
    );
    const made = (side: 'on' | 'off') =>
      rows.filter((r) => r.label.includes(` ${side},`)).reduce((n, r) => n + r.requests, 0);
    const perPurchase = (side: 'on' | 'off', p: Part) => cpu[side].get(p)! / Math.max(1, made(side));
    console.log('\nCPU time per purchase during the rounds, ms (user + system, from /proc):\n');
    console.log('| process | on | off | on − off |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const p of PARTS) {
      const [a, b] = [perPurchase('on', p), perPurchase('off', p)];
      console.log(`| ${p} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a - b).toFixed(2)} |`);
    }
    const core0: Part[] = [
      'api',
      'load generator',
      'PostgreSQL: api connections',
      'PostgreSQL: worker connections',
      'PostgreSQL: the rest',
    ];
    const sum = (side: 'on' | 'off', ps: readonly Part[]) => ps.reduce((n, p) => n + perPurchase(side, p), 0);
    console.log(
      `| all | ${sum('on', PARTS).toFixed(2)} | ${sum('off', PARTS).toFixed(2)} | ${(sum('on', PARTS) - sum('off', PARTS)).toFixed(2)} |`,
    );
    console.log(
      `| api + PostgreSQL + load generator (CPU 0 under BENCH_PIN) | ${sum('on', core0).toFixed(2)} | ${sum('off', core0).toFixed(2)} | ${(sum('on', core0) - sum('off', core0)).toFixed(2)} |`,
    );
    console.log(
      `\nCPU 0's work per purchase, off ÷ on: ${(sum('off', core0) / sum('on', core0)).toFixed(2)} (the ratio the aim would see if that core were the only limit)`,
    );
    if (PGSS)
      for (const side of ['on', 'off'] as const) {
        const n = Math.max(1, made(side));
        console.log(`\nStatements by time per purchase, notifications ${side} (pg_stat_statements):\n`);
        console.log('| statement | calls per purchase | ms per purchase | rows per call |');
        console.log('| --- | ---: | ---: | ---: |');
        for (const [q, x] of [...statements[side]].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
          console.log(
            `| \`${q.replaceAll('|', '¦')}\` | ${(x.calls / n).toFixed(2)} | ${(x.ms / n).toFixed(3)} | ${(x.rows / Math.max(1, x.calls)).toFixed(1)} |`,
          );
      }
    // An update that changes no indexed column and finds room on its page is HOT (no index entries).
    const [upd] = (
      await h.db.execute<{ upd: number; hot: number }>(
        sql`select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = 'notifications'`,
      )
    ).rows;
    console.log(`\nnotifications rows updated since the start: ${upd!.upd}, of which HOT: ${upd!.hot}`);
    console.log(
      `purchases made: ${counts.purchases} (${counts.pending} waiting for approval); approval notifications: ${counts.notified}, emailed by the end of the rounds: ${counts.sent}; SMTP messages during the rounds: ${(await smtp.accepted()) - emailsBefore}`,
    );
  } finally {
    await api.close();
    if (worker)
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.kill('SIGTERM');
      });
  }
}
