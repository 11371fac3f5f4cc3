/**
 * `pnpm --filter @shanhai/tests bench:fanout`: the live leaderboard on one api replica with
 * thousands of wall screens open (issue 18: 5,000 clients, commit → last client p99 < 1 s at one
 * change per second, ≤ 20 KB per client).
 *
 * One api (its own process, with --expose-gc so that memory is read after full collections), the
 * tally worker (in this process), and the clients (fanout-clients.ts, their own process: plain TCP
 * sockets reading `GET /api/v1/leaderboard/stream`). For 500 and then 5,000 clients, in the same
 * run and against the same api:
 *
 * 1. memory per client: the api's resident set and its heap + external memory, after full
 *    collections, before the clients connect and once every one has its `hello`, divided by n;
 * 2. lag: one sale committed per second (`BENCH_CHANGES` of them, default 30), each folded by the
 *    worker, which announces the change; for each change, the time from the sale's commit to the
 *    last client receiving the `changed` event (and to the median client), and the time from the
 *    worker's fold commit (the event's `at`) to the last client.
 *
 * The 500-client figures are the baseline the 5,000 ones are compared with.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { appendSales, createDb, schema } from '@shanhai/db';
import { LEADERBOARD_CHANNEL, LeaderboardChanged, QUEUES, TALLY_DEDUP_ID } from '@shanhai/domain';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime } from '@shanhai/worker/runtime';
import type { ClientsCommand, ClientsMessage, VersionReport } from './fanout-clients';
import { benchApiConfig, benchStack, benchWorkerConfig, startServer } from './support';

const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '500,5000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);

const stack = await benchStack('fanout');
const prefix = `b${randomBytes(3).toString('hex')}`;
const h = createDb(stack.databaseUrl, { max: 4 });
const apiConfig = benchApiConfig(stack.databaseUrl, stack.redisUrl, {
  redisPrefix: prefix,
  metricsToken: 'bench-fanout-metrics-token',
});
const api = await startServer('api', { config: apiConfig, exposeGc: true });
const port = Number(new URL(api.url).port);
const worker = await startRuntime(benchWorkerConfig(stack, prefix, 4), createLogger('silent'));
const producer = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
const queue = new Queue(QUEUES.tally, { connection: producer, prefix: `${prefix}:bull` });
// What the worker announces, as the api hears it: version → the fold's commit time.
const announced = new Map<number, number>();
const listener = new Redis(stack.redisUrl);
await listener.subscribe(`${prefix}:${LEADERBOARD_CHANNEL}`);
listener.on('message', (_c: string, raw: string) => {
  const m = LeaderboardChanged.parse(JSON.parse(raw));
  announced.set(m.version, Date.parse(m.at));
});
const towns = (await h.db.select({ id: schema.towns.id }).from(schema.towns)).map((t) => t.id);

const clients = fork(fileURLToPath(new URL('./fanout-clients.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: 'inherit',
});
function ask<K extends string>(command: ClientsCommand, key: K): Promise<Extract<ClientsMessage, Record<K, unknown>>> {
  return new Promise((resolve) => {
    const on = (m: ClientsMessage) => {
      if (key in m) {
        clients.off('message', on);
        resolve(m as Extract<ClientsMessage, Record<K, unknown>>);
      }
    };
    clients.on('message', on);
    clients.send(command);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
async function openStreams(): Promise<number> {
  const text = await (
    await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${apiConfig.metricsToken}` } })
  ).text();
  return Number(/^shanhai_api_sse_clients (\d+)/m.exec(text)?.[1] ?? NaN);
}
async function dropped(): Promise<number> {
  const text = await (
    await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${apiConfig.metricsToken}` } })
  ).text();
  return Number(/^shanhai_api_sse_dropped_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

let seq = 0;
interface Row {
  n: number;
  connectS: number;
  rssKb: number;
  heapKb: number;
  changes: number;
  complete: number;
  lastP50: number;
  lastP99: number;
  lastMax: number;
  medianP50: number;
  foldLastP99: number;
  dropped: number;
}

async function measure(n: number): Promise<Row> {
  while ((await openStreams()) !== 0) await sleep(100);
  const before = await api.memory();
  const t0 = Date.now();
  const c = await ask({ cmd: 'connect', port, n }, 'connected');
  if (c.failed) throw new Error(`${c.failed} of ${n} streams did not open`);
  const connectS = (Date.now() - t0) / 1000;
  const after = await api.memory();
  const droppedBefore = await dropped();

  // One sale a second, each its own commit, folded and announced by the worker.
  const commits: { at: number; id: number }[] = [];
  const firstVersion = Math.max(0, ...announced.keys()) + 1;
  for (let i = 0; i < CHANGES; i++) {
    const tick = Date.now();
    const [id] = await appendSales(h.db, [
      {
        source: 'order',
        sourceRef: `fanout-${++seq}`,
        kind: 'sale',
        townId: towns[seq % towns.length]!,
        category: 'fruit',
        amountFen: 1000 + (seq % 97),
        businessDate: '2026-06-15',
      },
    ]);
    commits.push({ at: Date.now(), id: id! });
    await queue.add(
      'ledger-commit',
      { reason: 'ledger-commit' },
      { deduplication: { id: TALLY_DEDUP_ID }, removeOnComplete: 100 },
    );
    await sleep(Math.max(0, tick + 1000 - Date.now()));
  }
  // Every change reaches every client, or the report says how many did not.
  let report: Extract<ClientsMessage, { versions: unknown }>;
  for (let i = 0; ; i++) {
    report = await ask({ cmd: 'report' }, 'versions');
    const mine = report.versions.filter((v) => v.version >= firstVersion);
    const folded = Math.max(...announced.keys());
    if ((mine.length && mine.every((v) => v.count === n) && mine.at(-1)!.version >= folded) || i > 50) break;
    await sleep(200);
  }
  const versions: VersionReport[] = report.versions.filter((v) => v.version >= firstVersion);
  // Each change's sale: the latest commit before the worker's fold commit that announced it.
  const saleOf = (v: VersionReport) => {
    const foldAt = announced.get(v.version)!;
    return commits.filter((c) => c.at <= foldAt).at(-1)?.at ?? foldAt;
  };
  const last = versions.map((v) => v.last - saleOf(v));
  const median = versions.map((v) => v.p50 - saleOf(v));
  const foldLast = versions.map((v) => v.last - announced.get(v.version)!);
  const row: Row = {
    n,
    connectS,
    rssKb: (after.rss - before.rss) / 1024 / n,
    heapKb: (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / n,
    changes: versions.length,
    complete: versions.filter((v) => v.count === n).length,
    lastP50: q(last, 0.5),
    lastP99: q(last, 0.99),
    lastMax: Math.max(...last),
    medianP50: q(median, 0.5),
    foldLastP99: q(foldLast, 0.99),
    dropped: (await dropped()) - droppedBefore,
  };
  await ask({ cmd: 'disconnect' }, 'disconnected');
  return row;
}

const rows: Row[] = [];
try {
  for (const n of CLIENT_COUNTS) {
    console.log(`${n} clients …`);
    rows.push(await measure(n));
  }
} finally {
  clients.kill();
  await api.close();
  await worker.close();
  await queue.close();
  producer.disconnect();
  listener.disconnect();
  await h.close();
  await stack.stop();
}

const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\n### Fan-out on one api replica: ${CHANGES} changes, one a second\n`);
console.log(
  '| clients | connect s | changes (all clients got) | sale commit → last client p50 / p99 / max ms | → median client p50 ms | fold commit → last client p99 ms | dropped | RSS per client KB | heap + external per client KB |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.n} | ${f(r.connectS, 1)} | ${r.changes} (${r.complete}) | ${f(r.lastP50)} / ${f(r.lastP99)} / ${f(r.lastMax)} | ${f(r.medianP50)} | ${f(r.foldLastP99)} | ${r.dropped} | ${f(r.rssKb, 1)} | ${f(r.heapKb, 1)} |`,
  );
if (rows.length === 2) {
  const [a, b] = rows as [Row, Row];
  console.log(
    `\n${b.n} / ${a.n} clients: last-client lag p99 ${f(b.lastP99 / a.lastP99, 2)}×, RSS per client ${f(b.rssKb / a.rssKb, 2)}×`,
  );
}
process.exit(0);
