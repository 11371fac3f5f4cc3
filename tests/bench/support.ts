/**
 * Benchmark support: a throwaway PostgreSQL and Redis (never your data), servers in their own
 * processes (`startServer`), and autocannon or wrk to load them. Benchmarks measure against a
 * baseline in the same run and report ratios: the machine is shared and noisy, absolute numbers drift.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildApp } from '@shanhai/api/app';
import { loadConfig, type ApiConfig } from '@shanhai/api/env';
import type { WorkerConfig } from '@shanhai/worker/env';
import type { SameBytes } from './serve';
import { createDb, runMigrations } from '@shanhai/db';
import { seedDemo } from '@shanhai/db/seed';
import { ensureDatabase, startPostgres, startRedis } from '@shanhai/devstack';

export interface BenchStack {
  pgAdminUrl: string;
  redisUrl: string;
  /** A migrated database seeded with the demo world, made for this benchmark. */
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function benchStack(
  name: string,
  options: { seed?: boolean; postgresSettings?: string[] } = {},
): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), `shanhai-bench-${name}-`));
  chmodSync(dir, 0o755);
  const pg = await startPostgres({
    dataDir: join(dir, 'pg'),
    persistent: false,
    logFile: join(dir, 'postgres.log'),
    ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
  });
  const redis = await startRedis({ dir: join(dir, 'redis'), persistent: false });
  const databaseUrl = await ensureDatabase(pg.url, `bench_${name}`);
  await runMigrations(databaseUrl);
  if (options.seed !== false) {
    const h = createDb(databaseUrl, { max: 2 });
    await seedDemo(h.db);
    await h.close();
  }
  return {
    pgAdminUrl: pg.url,
    redisUrl: redis.url,
    databaseUrl,
    async stop() {
      await redis.stop();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  label: string;
  requests: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
  /** CPU time the load generator used, when it ran in its own process (wrk), in µs. */
  loaderCpuMicros?: number;
}

export interface LoadOptions {
  url: string;
  label: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request setup, e.g. a fresh Idempotency-Key. */
  setupRequest?: (req: { method?: string; path?: string; headers?: Record<string, string>; body?: string }) => object;
  connections?: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1 unless told. */
  pipelining?: number;
  durationSeconds?: number;
  /** Alternative to duration: exactly this many requests. */
  amount?: number;
  /**
   * The load generator: autocannon (in this process, the default) or wrk (a C program, for plain
   * GETs over a duration; see `wrkVersion`). wrk takes several times less CPU per answer than
   * autocannon, so that the server, not the load generator, is what runs out of CPU first.
   */
  loader?: Loader;
}

type Loader = 'autocannon' | 'wrk';

/** wrk's version line when `wrk` is on PATH (Debian: `apt-get install wrk`), else undefined. */
export function wrkVersion(): string | undefined {
  try {
    // `wrk -v` prints its version and usage, and exits with 1.
    execFileSync('wrk', ['-v'], { stdio: 'pipe' });
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    const line = out.split('\n').find((l) => l.startsWith('wrk '));
    if (line) return line.split(' [')[0];
  }
  return undefined;
}

/** wrk's duration with a unit (`812.00us`, `1.23ms`, `2.01s`) in ms. */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`wrk: cannot read the duration ${text}`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us']!;
}

/** Runs wrk (one thread; on this process's CPUs, which a child inherits) and reads its report. */
async function loadWithWrk(o: LoadOptions): Promise<LoadResult> {
  if ((o.method ?? 'GET') !== 'GET' || o.body !== undefined || o.setupRequest || o.amount) {
    throw new Error('bench: wrk loads plain GETs over a duration only');
  }
  const args = [
    '-t1',
    `-c${o.connections ?? 10}`,
    `-d${o.durationSeconds ?? 10}s`,
    '--latency',
    ...Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    o.url,
  ];
  if ((o.pipelining ?? 1) !== 1) throw new Error('bench: wrk loads without pipelining only');
  // sh's `times` prints, last, the CPU time its children (wrk) used: the load generator's cost.
  const script = 'wrk "$@"; s=$?; times; exit $s';
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const requests = num(/(\d+) requests in/);
  const seconds = (() => {
    const m = /requests in ([\d.]+)(ms|s|m),/.exec(out);
    if (!m) throw new Error(`wrk: no duration in ${out}`);
    return wrkMs(`${m[1]}${m[2]}`) / 1000;
  })();
  const pct = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk: no ${p}th percentile in ${out}`);
    return Math.round(wrkMs(m[1]!) * 1000) / 1000;
  };
  // `times`: "0m0.00s 0m0.00s" (the shell), then "0m1.23s 0m0.45s" (its children: user, system).
  const children = out
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map((t) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t);
      return m ? (Number(m[1]) * 60 + Number(m[2])) * 1e6 : NaN;
    });
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    label: o.label,
    requests,
    rps: Math.round(requests / seconds),
    p50ms: pct(50),
    p99ms: pct(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    errors: socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
    loaderCpuMicros: Math.round(children[0]! + children[1]!),
  };
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  if (o.loader === 'wrk') return loadWithWrk(o);
  const result = await autocannon({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    connections: o.connections ?? 10,
    pipelining: o.pipelining ?? 1,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationSeconds ?? 10 }),
    ...(o.setupRequest ? { requests: [{ setupRequest: o.setupRequest as never }] } : {}),
  });
  return {
    label: o.label,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export function printTable(title: string, rows: LoadResult[]) {
  console.log(`\n${title}`);
  console.log('| what | requests | req/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(`| ${r.label} | ${r.requests} | ${r.rps} | ${r.p50ms} | ${r.p99ms} | ${r.non2xx} | ${r.errors} |`);
}

/** A server in its own process (tests/bench/serve.ts): the real api, or the bare baseline. */
export interface BenchServer {
  url: string;
  pid: number;
  /** The server process's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  /** Its memory use, after full collections if it was started with `exposeGc`. */
  memory(): Promise<NodeJS.MemoryUsage>;
  close(): Promise<void>;
}

/**
 * Forks tests/bench/serve.ts. The api and the baseline both run this way, each alone in its
 * process, so neither shares an event loop with the load generator (which stays in the caller).
 * `cpuProfDir` adds --cpu-prof: the profile is written there when the server closes.
 */
export async function startServer(
  kind: 'api' | 'bare',
  options: { config?: ApiConfig; sameBytes?: SameBytes; cpuProfDir?: string; exposeGc?: boolean } = {},
): Promise<BenchServer> {
  const script = fileURLToPath(new URL('./serve.ts', import.meta.url));
  const execArgv = [
    '--import',
    'tsx',
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.exposeGc ? ['--expose-gc'] : []),
  ];
  const child: ChildProcess = fork(
    script,
    kind === 'api'
      ? [kind, JSON.stringify(options.config)]
      : options.sameBytes
        ? [kind, JSON.stringify(options.sameBytes)]
        : [kind],
    { execArgv, stdio: 'inherit' },
  );
  const next = <K extends string, T = number>(key: K) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, T>) => {
        if (key in m) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(m[key]!);
        }
      };
      const onExit = (code: number | null) =>
        reject(new Error(`bench ${kind} server exited (${code}) before answering`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const port = await next('port');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    cpuMicros() {
      const answer = next('cpuMicros');
      child.send({ cmd: 'cpu' });
      return answer;
    },
    memory() {
      const answer = next<'memory', NodeJS.MemoryUsage>('memory');
      child.send({ cmd: 'memory' });
      return answer;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'close' });
      await exited;
    },
  };
}

/**
 * Where the servers and the load generator run while loaded: the server under load alone on core
 * 0, the load generator (this process, and wrk) on the other cores. Pinned, neither takes the
 * other's core, and the scheduler does not move them about; without pinning, on this 2-core machine
 * the two compete for both cores with PostgreSQL, Redis and everything else. Needs taskset
 * (util-linux) and at least 2 cores; undefined otherwise (nothing is pinned).
 */
export function cpuPlan(): { server: string; loader: string; all: string } | undefined {
  const n = availableParallelism();
  if (n < 2) return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { server: '0', loader: n === 2 ? '1' : `1-${n - 1}`, all: `0-${n - 1}` };
}

/** Sets the CPUs of every thread of a process (taskset -a -p). */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** How `compareAlternately` loads: rounds of seconds per contender, connections, the load generator and the CPUs. */
export interface LoadPlan {
  rounds: number;
  seconds: number;
  connections: number;
  pipelining: number;
  warmupSeconds: number;
  loader?: Loader;
  cpus?: ReturnType<typeof cpuPlan>;
}

export interface Contender {
  label: string;
  url: string;
  server: BenchServer;
  headers?: Record<string, string>;
}

export interface Comparison {
  /** Per contender: all rounds together (req/s over the summed time; p50 the median, p99 the worst round). */
  results: LoadResult[];
  /** Per contender: the share of one core its server process used while loaded, in %. */
  serverCpuPct: number[];
  /**
   * Per contender: its server's CPU time per answered request, in µs. Less sensitive than req/s
   * to other work on a shared machine: a ratio of two is what they would reach if each had a core
   * to itself.
   */
  serverCpuMicrosPerRequest: number[];
  /** The load generator's share of one core while loading, in %. */
  loaderCpuPct: number;
  /** Per contender: its req/s round by round. */
  roundRps: number[][];
  /** Per contender: its p99 round by round, in ms (one disturbed round moves the worst, not the median). */
  roundP99ms: number[][];
}

/** Contender `i` against contender `j`: req/s over all rounds, each round's, and their median. */
export function ratio(c: Comparison, i: number, j: number): { overall: number; rounds: number[]; median: number } {
  const rounds = c.roundRps[i]!.map((x, r) => x / c.roundRps[j]![r]!);
  return {
    overall: c.results[i]!.rps / c.results[j]!.rps,
    rounds,
    median: [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!,
  };
}

/**
 * Loads the contenders one after the other, `rounds` times over, with the same connections and
 * pipelining, so that a drift of the shared machine touches all alike. The first round starts
 * each target with a short warm-up. The median round ratio (see `ratio`) moves least when one
 * round is disturbed by other work on the machine.
 */
export async function compareAlternately(targets: Contender[], o: LoadPlan): Promise<Comparison> {
  if (o.cpus) {
    pin(process.pid, o.cpus.loader);
    for (const t of targets) pin(t.server.pid, o.cpus.server);
  }
  try {
    return await loadInTurn(targets, o);
  } finally {
    if (o.cpus) {
      pin(process.pid, o.cpus.all);
      for (const t of targets) pin(t.server.pid, o.cpus.all);
    }
  }
}

async function loadInTurn(targets: Contender[], o: LoadPlan): Promise<Comparison> {
  const rounds: LoadResult[][] = targets.map(() => []);
  const cpu = targets.map(() => 0);
  const wall = targets.map(() => 0);
  let loaderCpu = 0;
  let loaderWall = 0;
  for (let r = 0; r < o.rounds; r++) {
    for (const [i, t] of targets.entries()) {
      const opts = {
        url: t.url,
        label: t.label,
        headers: t.headers,
        connections: o.connections,
        pipelining: o.pipelining,
        loader: o.loader,
      };
      if (r === 0) await load({ ...opts, durationSeconds: o.warmupSeconds });
      const cpu0 = await t.server.cpuMicros();
      const own0 = process.cpuUsage();
      const at0 = performance.now();
      const result = await load({ ...opts, durationSeconds: o.seconds });
      rounds[i]!.push(result);
      const ms = performance.now() - at0;
      const own = process.cpuUsage(own0);
      cpu[i]! += (await t.server.cpuMicros()) - cpu0;
      wall[i]! += ms * 1000;
      loaderCpu += own.user + own.system + (result.loaderCpuMicros ?? 0);
      loaderWall += ms * 1000;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results = rounds.map((rs, i): LoadResult => {
    const requests = rs.reduce((n, x) => n + x.requests, 0);
    return {
      label: targets[i]!.label,
      requests,
      rps: Math.round(requests / (o.rounds * o.seconds)),
      p50ms: median(rs.map((x) => x.p50ms)),
      p99ms: Math.max(...rs.map((x) => x.p99ms)),
      non2xx: rs.reduce((n, x) => n + x.non2xx, 0),
      errors: rs.reduce((n, x) => n + x.errors, 0),
    };
  });
  return {
    results,
    serverCpuPct: cpu.map((c, i) => Math.round((c / wall[i]!) * 100)),
    serverCpuMicrosPerRequest: cpu.map((c, i) => Math.round((c / results[i]!.requests) * 10) / 10),
    loaderCpuPct: Math.round((loaderCpu / loaderWall) * 100),
    roundRps: rounds.map((rs) => rs.map((x) => x.rps)),
    roundP99ms: rounds.map((rs) => rs.map((x) => x.p99ms)),
  };
}

/**
 * The api's configuration for a benchmark: limits out of the load's way, its own Redis key prefix
 * unless one is given (to share it with a worker), and `overrides` on top.
 */
export function benchApiConfig(databaseUrl: string, redisUrl: string, overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    databaseUrl,
    databasePoolMax: 10,
    redisUrl,
    redisPrefix: `b${randomBytes(3).toString('hex')}`,
    jwtSecret: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
    logLevel: 'silent',
    trustProxy: false,
    loginLimits: { perAccount: 1000, perIp: 1000, windowMs: 60_000 },
    publicQueryLimit: { max: 1_000_000_000, windowMs: 60_000 },
    ...overrides,
  };
}

/** The worker's configuration for a benchmark on `stack`, on the api's Redis key prefix. */
export function benchWorkerConfig(stack: BenchStack, redisPrefix: string, databasePoolMax: number): WorkerConfig {
  return {
    databaseUrl: stack.databaseUrl,
    databasePoolMax,
    redisUrl: stack.redisUrl,
    redisPrefix,
    logLevel: 'silent',
    concurrency: 2,
  };
}

/** The api on a free port with limits out of a benchmark's way (catalogue and search benches). */
export async function benchApp(databaseUrl: string, redisUrl: string) {
  const app = await buildApp(benchApiConfig(databaseUrl, redisUrl), { logger: false });
  return { app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

/**
 * The api configured from the environment as in production (`loadConfig`), on `stack` with bench
 * defaults and `env` on top, listening on a free port: the benches that compare with the server
 * as deployed (purchases, bank matching) build it this way rather than with benchApiConfig.
 */
export async function benchApiFromEnv(stack: BenchStack, env: Record<string, string> = {}) {
  const config = loadConfig({
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: 'bench',
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const api = await buildApp(config, { logger: false });
  await api.listen({ host: '127.0.0.1', port: 0 });
  return { api, config, apiUrl: `http://127.0.0.1:${(api.server.address() as { port: number }).port}` };
}

/** Logs a demo user in over HTTP: the session's access token and user. */
export async function benchLogin(base: string, email: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'shanhai-demo' }),
  });
  return (await res.json()) as { accessToken: string; user: { id: string; org: { id: string } } };
}
