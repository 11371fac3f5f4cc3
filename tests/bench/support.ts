/**
 * Benchmark support: a throwaway PostgreSQL and Redis (never your data), the api built in-process
 * on a free port, and autocannon to load it. Benchmarks measure against a baseline in the same
 * run and report ratios: the machine is shared and noisy, absolute numbers drift.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
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

export async function benchStack(name: string, options: { seed?: boolean } = {}): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), `shanhai-bench-${name}-`));
  chmodSync(dir, 0o755);
  const pg = await startPostgres({ dataDir: join(dir, 'pg'), persistent: false, logFile: join(dir, 'postgres.log') });
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
  durationSeconds?: number;
  /** Alternative to duration: exactly this many requests. */
  amount?: number;
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    connections: o.connections ?? 10,
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
  for (const r of rows) console.log(`| ${r.label} | ${r.requests} | ${r.rps} | ${r.p50ms} | ${r.p99ms} | ${r.non2xx} | ${r.errors} |`);
}
