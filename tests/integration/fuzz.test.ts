/**
 * The whole api under hostile input (issue 13, DESIGN §5.6): for every route in the OpenAPI
 * document, fast-check builds requests from the route's own schema, mostly valid, each with one
 * or more hostile parts (boundary and huge numbers, wrong types, long strings, control characters,
 * lone surrogates, missing and extra fields), as a buyer, a cooperative, the office or nobody.
 * Every answer must be below 500 and a problem JSON when 4xx (a 400 naming a field), and a refused
 * write must leave every table as it was.
 *
 * Seeded and bounded here (FUZZ_RUNS per route, FUZZ_SEED); `npm run fuzz` runs it longer. Every route
 * runs even when an earlier one failed, and the test lists every failing route; FUZZ_LOG names a file
 * that gets one JSON line per route as it ends (runs, failed, ms).
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { NO_NUL } from '@shanhai/domain';
import { createTestApp, DEMO_PASSWORD, login, type TestApp } from '../../apps/api/test-support/testing';
import type { JsonSchema as Schema, Operation } from '../support/openapi';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/** Only the routes whose `METHOD /path` matches (a longer run at one module: FUZZ_ROUTES='cart|stock'). */
const ROUTES = process.env.FUZZ_ROUTES ? new RegExp(process.env.FUZZ_ROUTES) : null;
/** Streams never end by themselves: they are tested where they live. */
const SKIP = new Set(['GET /api/v1/leaderboard/stream', 'GET /api/v1/stream']);
/** A file each route's outcome is appended to as it ends (runs, failure, time): a long run's progress. */
const LOG = process.env.FUZZ_LOG;

let t: TestApp;
let tokens: Record<string, string | null>;
/** Ids of real objects, so that hostile bodies reach the services, not only the 404s. */
let ids: string[];
let tables: string[];

beforeAll(async () => {
  t = await createTestApp({
    template: 'demo',
    config: { loginLimits: { perAccount: 1e6, perIp: 1e6, windowMs: 60_000 } },
  });
  await t.app.ready();
  tokens = { none: null };
  for (const who of ['office', 'buyer', 'coop'])
    tokens[who] = (await login(t.app, `${who}@demo.shanhai`, DEMO_PASSWORD)).token;
  const rows = await t.app.db.execute<{ id: string }>(sql`
    (select id::text from products limit 5) union all (select id::text from orgs limit 5)
    union all (select id::text from towns limit 3) union all (select id::text from purchases limit 5)
    union all (select id::text from orders limit 5) union all (select id::text from users limit 5)
    union all (select id::text from offline_sales limit 3) union all (select id::text from pairings limit 3)`);
  ids = rows.rows.map((r) => r.id);
  tables = (
    await t.app.db.execute<{ t: string }>(
      sql`select tablename as t from pg_tables where schemaname = 'public' and tablename not like '\_\_%' order by 1`,
    )
  ).rows.map((r) => r.t);
});
afterAll(() => t.close());

/** Every table's row count and content hash: what a refused write must not change. */
async function fingerprint(): Promise<string> {
  const parts = tables.map(
    (name) =>
      sql`select ${name} as t, count(*)::text as n, coalesce(sum(hashtext(x::text)), 0)::text as h from ${sql.identifier(name)} x`,
  );
  const res = await t.app.db.execute<{ t: string; n: string; h: string }>(sql.join(parts, sql` union all `));
  return res.rows.map((r) => `${r.t}:${r.n}:${r.h}`).join('|');
}

// ---- hostile values -------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u0644\u0627',
    '𠮷𠮷𠮷',
    '👨‍👩‍👧‍👦',
    '=cmd|" /C calc"!A0',
    "'; drop table products; --",
    '../../../etc/passwd',
    '%00',
    'null',
    '1e309',
    '-0',
    '0x10',
    '９９',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    2 ** 53 - 1,
    2 ** 53,
    2 ** 63,
    -(2 ** 63),
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const wrongType = fc.constantFrom(null, true, false, [], {}, [1, 2], { a: 1 }, 'string', 12345, -1);
const anyHostile = fc.oneof(hostileString, hostileNumber, wrongType);

function typeOf(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
}

/** A value that satisfies the schema most of the time (so requests get past validation). */
function valid(s: Schema): fc.Arbitrary<unknown> {
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map(valid));
  if (s.allOf?.length && typeOf(s) !== 'string') return valid(s.allOf[0]!);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (typeOf(s)) {
    case 'object':
      return objectOf(s, valid);
    case 'array':
      return fc.array(valid(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
    case 'integer': {
      const min = Math.max(s.minimum ?? -(2 ** 31), Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 2 ** 31, Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) }), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      // The pattern that says what the field is, not the U+0000 refusal every text field has.
      const pattern = [s.pattern, ...(s.allOf ?? []).map((a) => a.pattern)].find(
        (p) => p !== undefined && p !== NO_NUL.source,
      );
      if (s.format === 'uuid' || pattern?.includes('[0-9a-fA-F]{8}'))
        return fc.oneof(fc.constantFrom(...ids), fc.uuid());
      if (s.format === 'date' || pattern?.includes('\\d{4}-\\d{2}-\\d{2}'))
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      if (s.format === 'email') return fc.emailAddress();
      if (pattern) return fc.stringMatching(new RegExp(pattern));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 60) });
    }
    default:
      return anyHostile;
  }
}

/** The same shape with one or more hostile parts, or an extra field, or a field left out. */
function hostile(s: Schema): fc.Arbitrary<unknown> {
  const t = typeOf(s);
  if (t === 'object' && s.properties) return fc.oneof(objectOf(s, hostile), anyHostile);
  if (t === 'array')
    return fc.oneof(
      fc.array(hostile(s.items ?? {}), { maxLength: 4 }),
      fc.array(valid(s.items ?? {}), { minLength: (s.maxItems ?? 50) + 1, maxLength: (s.maxItems ?? 50) + 3 }),
      anyHostile,
    );
  if (t === 'integer' || t === 'number') return fc.oneof(hostileNumber, wrongType, hostileString);
  return anyHostile;
}

function objectOf(s: Schema, part: (s: Schema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const props = Object.entries(s.properties ?? {});
  const required = props.map(([k]) => k).filter((k) => (s.required ?? []).includes(k));
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of props)
    record[k] =
      part === valid ? valid(v) : fc.oneof({ weight: 3, arbitrary: valid(v) }, { weight: 1, arbitrary: hostile(v) });
  const base = fc.record(record, { requiredKeys: required });
  if (part === valid) return base;
  const extras = fc.option(
    fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'extra', 'id', 'orgId', 'status', 'role'), anyHostile, {
      maxKeys: 2,
    }),
    { freq: 4 },
  );
  const drop = required.length ? fc.option(fc.constantFrom(...required), { freq: 3 }) : fc.constant(null);
  return fc.tuple(base, extras, drop).map(([obj, extra, dropKey]) => {
    const out = { ...(obj as object), ...(extra ?? {}) } as Record<string, unknown>;
    if (dropKey) delete out[dropKey];
    return out;
  });
}

// ---- requests ---------------------------------------------------------------------------------

interface Req {
  who: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  rawBody?: string;
  headers: Record<string, string>;
}

/** A path segment, percent-encoded; a lone surrogate becomes bytes that are not UTF-8 at all. */
function pathSegment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80' + encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'));
  }
}

function requestArb(path: string, op: Operation): fc.Arbitrary<Req> {
  const params = op.parameters ?? [];
  const pathParts = params.filter((p) => p.in === 'path');
  const queryParts = params.filter((p) => p.in === 'query');
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  const scalar = (s: Schema) =>
    fc
      .oneof({ weight: 3, arbitrary: valid(s) }, { weight: 1, arbitrary: anyHostile })
      .map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
  return fc.record({
    who: fc.constantFrom(...Object.keys(tokens)),
    path: fc.tuple(...pathParts.map((p) => scalar(p.schema)), fc.constant('')).map((vals) => {
      let out = path;
      pathParts.forEach((p, i) => (out = out.replace(`{${p.name}}`, pathSegment(String(vals[i]).slice(0, 3000)))));
      return out;
    }),
    query: fc
      .tuple(
        fc.record(Object.fromEntries(queryParts.map((p) => [p.name, scalar(p.schema)])), { requiredKeys: [] }),
        fc.option(
          fc.dictionary(
            fc.constantFrom('extra', 'cursor', 'limit', '__proto__'),
            hostileString.map((s) => s.slice(0, 2000)),
            { maxKeys: 2 },
          ),
          { freq: 3 },
        ),
      )
      .map(([q, extra]) =>
        Object.fromEntries(
          Object.entries({ ...(q as object), ...(extra ?? {}) }).map(([k, v]) => [k, String(v).slice(0, 4000)]),
        ),
      ),
    body: bodySchema
      ? fc.oneof({ weight: 1, arbitrary: valid(bodySchema) }, { weight: 3, arbitrary: hostile(bodySchema) })
      : fc.option(anyHostile, { freq: 2 }),
    rawBody: fc
      .option(fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '{"__proto__":{"admin":true}}', '\u0000'), {
        freq: 8,
      })
      .map((v) => v ?? undefined),
    headers: fc.record(
      {
        'idempotency-key': fc.oneof(
          fc.uuid(),
          hostileString.map((s) => s.slice(0, 500).replace(/[^\x20-\x7e]/g, '')),
        ),
        'if-none-match': fc.constantFrom('*', '"x"', 'W/"1"'),
        'accept-encoding': fc.constantFrom('br;q=0, gzip', 'identity;q=0', '*;q=0', 'gzip;q=NaN'),
        'accept-language': fc.constantFrom('zh-CN', 'en', '*', 'xx;q=2'),
      },
      { requiredKeys: [] },
    ),
  }) as fc.Arbitrary<Req>;
}

const operations = async () => {
  const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op }))
      .filter((o) => !SKIP.has(`${o.method} ${o.path}`))
      .filter((o) => !ROUTES || ROUTES.test(`${o.method} ${o.path}`)),
  );
};

describe('hostile input, every route of the OpenAPI document', () => {
  it(
    `never answers 5xx, answers problems naming the field, and changes nothing when it refuses (${RUNS} runs per route, seed ${SEED})`,
    async () => {
      const ops = await operations();
      expect(ops.length).toBeGreaterThan(ROUTES ? 0 : 60);
      // Every route is run, even after one fails: a long run reports all its findings at once.
      const findings: string[] = [];
      for (const [i, { method, path, op }] of ops.entries()) {
        const writes = method !== 'GET';
        const started = Date.now();
        const details = await fc.check(
          fc.asyncProperty(requestArb(path, op), async (r) => {
            const before = writes ? await fingerprint() : '';
            const token = tokens[r.who];
            const payload = r.rawBody ?? (r.body === null || r.body === undefined ? undefined : JSON.stringify(r.body));
            const res = await t.app.inject({
              method: method as 'GET',
              url: r.path,
              query: r.query,
              headers: {
                ...r.headers,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
                ...(payload !== undefined && method !== 'GET' ? { 'content-type': 'application/json' } : {}),
              },
              ...(payload !== undefined && method !== 'GET' ? { payload } : {}),
            });
            const where = `${r.who} ${method} ${r.path.slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            if (res.statusCode >= 400) {
              const problem = res.json() as { status?: number; title?: string; errors?: { field: string }[] };
              expect(problem.status, where).toBe(res.statusCode);
              expect(typeof problem.title, where).toBe('string');
              if (res.statusCode === 400) {
                expect(problem.errors?.length, `${where}: a 400 names the field`).toBeGreaterThan(0);
                for (const e of problem.errors!) expect(e.field, where).toMatch(/^(body|query|params|headers)\b/);
              }
              if (writes) expect(await fingerprint(), `${where}: a refused write changed the database`).toBe(before);
            }
          }),
          { numRuns: RUNS, seed: SEED + i, endOnFailure: true },
        );
        const route = `${method} ${path}`;
        if (details.failed)
          findings.push(`${route} (seed ${SEED + i}, run ${details.numRuns}): ${String(details.errorInstance)}`);
        if (LOG)
          appendFileSync(
            LOG,
            `${JSON.stringify({ route, runs: details.numRuns, failed: details.failed, ms: Date.now() - started })}\n`,
          );
      }
      expect(findings, findings.join('\n\n')).toEqual([]);
    },
    Math.max(600_000, RUNS * 3_000),
  );
});
