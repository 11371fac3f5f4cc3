import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type DbHandle } from '@shanhai/db';
import {
  createOrgWithUser,
  createProduct,
  createTestDatabase,
  TEST_PASSWORD,
  type TestDatabase,
} from '@shanhai/db/testing';
import { freePort } from '@shanhai/devstack';
import { runNode, spawnNode, until, type Proc } from '../support/processes';

/**
 * Issue 18's tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, the built api and worker export spans
 * over OTLP/HTTP, and one purchase's payment can be followed from the request through the queue to
 * the tally job, in one trace. The collector is a tiny HTTP server of this test (the network
 * boundary), taking OTLP's JSON encoding.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `node_modules/.cache/tracing-${randomBytes(4).toString('hex')}`;

interface Attr {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Attr[];
}
interface Span extends OtlpSpan {
  service: string;
  attrs: Record<string, string | number | boolean | undefined>;
}

const spans: Span[] = [];
/** What a second collector receives from an api started without OTEL_EXPORTER_OTLP_ENDPOINT. */
const quietSpans: Span[] = [];
const collectors: Server[] = [];

function startCollector(sink: Span[] = spans): Promise<string> {
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              sink.push({
                ...s,
                service,
                attrs: Object.fromEntries(
                  (s.attributes ?? []).map((a) => [
                    a.key,
                    a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? undefined,
                  ]),
                ),
              });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collectors.push(collector);
  return new Promise((resolve) =>
    collector.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(collector.address() as AddressInfo).port}`)),
  );
}

const procs: Proc[] = [];
const started = (p: Proc) => (procs.push(p), p);

let database: TestDatabase;
let handle: DbHandle;
let base: string;
let env: Record<string, string>;

beforeAll(async () => {
  const build = (app: string, entry: string) =>
    runNode(join(root, app), [join(root, 'scripts/build-app.mjs'), `--outdir=${outdir}`, entry]);
  await Promise.all([build('apps/api', 'src/server.ts'), build('apps/worker', 'src/main.ts')]);
  database = await createTestDatabase(inject('pgAdminUrl'), 'demo');
  handle = createDb(database.url, { max: 2 });
  const endpoint = await startCollector();
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export every 100 ms rather than every 5 s; traces only (no metrics or logs pipeline).
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const api = started(
    spawnNode('api', join(root, 'apps/api'), ['--enable-source-maps', `${outdir}/server.js`], {
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: 'tracing-test-secret-that-is-long-enough-0123456789',
    }),
  );
  const worker = started(
    spawnNode('worker', join(root, 'apps/worker'), ['--enable-source-maps', `${outdir}/main.js`], {
      ...env,
      HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
    }),
  );
  await until('the api to answer', async () => {
    if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
    return fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  });
  await until('the worker to start', () => {
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    return /worker started/.test(worker.output());
  });
}, 180_000);

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  await Promise.all(collectors.map((c) => new Promise((r) => c.close(r))));
  await handle?.close();
  await database?.drop();
  rmSync(join(root, 'apps/api', outdir), { recursive: true, force: true });
  rmSync(join(root, 'apps/worker', outdir), { recursive: true, force: true });
});

async function call<T>(
  method: string,
  path: string,
  token?: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}
async function login(email: string): Promise<string> {
  const r = await call<{ accessToken: string }>('POST', '/api/v1/auth/login', undefined, {
    email,
    password: TEST_PASSWORD,
  });
  expect(r.status).toBe(200);
  return r.body.accessToken;
}

const isPg = (s: Span) => s.attrs['db.system'] === 'postgresql' || s.attrs['db.system.name'] === 'postgresql';
const isRedis = (s: Span) => s.attrs['db.system'] === 'redis' || s.attrs['db.system.name'] === 'redis';

describe('OpenTelemetry tracing', { timeout: 120_000 }, () => {
  it('follows one purchase from its requests to the tally job, across the api and the worker', async () => {
    const buyer = await createOrgWithUser(handle.db, { kind: 'buyer', role: 'owner' });
    const coop = await createOrgWithUser(handle.db, { kind: 'cooperative', townCode: 'dakun' });
    const office = await createOrgWithUser(handle.db, { kind: 'office', role: 'owner' });
    const product = await createProduct(handle.db, { cooperativeId: coop.org.id, stock: 10 });
    const token = await login(buyer.user.email);
    expect((await call('PUT', '/api/v1/cart', token, { lines: [{ productId: product.id, qty: 2 }] })).status).toBe(200);
    const placed = await call<{ id: string; totalFen: number }>('POST', '/api/v1/purchases', token, {
      paymentMethod: 'transfer',
    });
    expect(placed.status).toBe(201);
    const pay = await call('POST', `/api/v1/purchases/${placed.body.id}/pay`, token, {
      amountFen: placed.body.totalFen,
      reference: 'TRACE-1',
    });
    expect(pay.status).toBe(200);
    const confirm = await call(
      'POST',
      `/api/v1/payments/${placed.body.id}/confirm-transfer`,
      await login(office.user.email),
      {
        amountFen: placed.body.totalFen,
      },
    );
    expect(confirm.status).toBe(200);

    // The purchase request: a server span of the api with its queries and Redis calls in its trace.
    const placing = await until('the purchase request’s span', () =>
      spans.find(
        (s) => s.service === 'shanhai-api' && s.attrs['http.route'] === '/api/v1/purchases' && s.name === 'request',
      ),
    );
    await until('the purchase’s queries', () => spans.some((s) => s.traceId === placing.traceId && isPg(s)));

    // The payment's confirmation: its trace goes on through the queue into the worker's tally job,
    // whose own queries are part of it.
    const confirming = await until('the confirmation’s span', () =>
      spans.find(
        (s) => s.service === 'shanhai-api' && s.attrs['http.route'] === '/api/v1/payments/:id/confirm-transfer',
      ),
    );
    const tally = await until('the tally job in the confirmation’s trace', () =>
      spans.find(
        (s) =>
          s.traceId === confirming.traceId &&
          s.service === 'shanhai-worker' &&
          s.attrs['bullmq.queue.name'] === 'tally' &&
          s.name === 'process tally',
      ),
    );
    const inTrace = () => spans.filter((s) => s.traceId === confirming.traceId);
    await until('the tally job’s queries', () => inTrace().some((s) => s.service === 'shanhai-worker' && isPg(s)));
    // The job's parent is the api's enqueue, in the request. The api exports its spans on its own
    // schedule, so the worker's may arrive first: wait for it rather than read it once.
    const parent = await until('the tally job’s parent span', () =>
      inTrace().find((s) => s.spanId === tally.parentSpanId),
    );
    expect(parent).toMatchObject({ service: 'shanhai-api', attrs: { 'bullmq.queue.name': 'tally' } });
    expect(inTrace().some((s) => s.service === 'shanhai-api' && isPg(s))).toBe(true);
    expect(spans.some((s) => s.service === 'shanhai-api' && isRedis(s))).toBe(true);
  });

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: the same build exports nothing, even where the SDK would', async () => {
    const quiet = await startCollector(quietSpans);
    const rest = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'OTEL_EXPORTER_OTLP_ENDPOINT'));
    const port = await freePort();
    const api = started(
      spawnNode('api-off', join(root, 'apps/api'), ['--enable-source-maps', `${outdir}/server.js`], {
        ...rest,
        // Were the SDK started, it would send its spans here.
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${quiet}/v1/traces`,
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: 'tracing-test-secret-that-is-long-enough-0123456789',
      }),
    );
    await until('the untraced api to answer', async () => {
      if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
      return fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    });
    const buyer = await createOrgWithUser(handle.db, { kind: 'buyer', role: 'owner' });
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: buyer.user.email, password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    // Ten export intervals of the traced api (OTEL_BSP_SCHEDULE_DELAY is 100 ms).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(quietSpans).toEqual([]);
  });
});
