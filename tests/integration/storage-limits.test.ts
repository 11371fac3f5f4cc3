/**
 * Limits derived from the storage (issue 13): every request field of every route in the OpenAPI
 * document is held against what PostgreSQL can store, so that a new field cannot reach a column
 * unbounded and come back as a 500.
 *
 * - Every string refuses U+0000 (PostgreSQL text and jsonb cannot hold it) and has a maximum
 *   length (a `text` column has none of its own); an enum, or a pattern that bounds it, will do.
 * - Every number is bounded on both sides within the safe integer range.
 * - A field written to a column is bounded by the column's type: `integer` → int4, `bigint` →
 *   safe integer, `text` / `text[]` → an explicit maximum.
 *
 * Fields are mapped to columns automatically by name: a leaf `body.lines[].qty` is held against
 * every column whose drizzle key is `qty` (`cart_lines.qty`, `order_lines.qty`, …), all of them,
 * so that a name shared by several tables takes the strictest. Where a field writes a column of
 * another name, the small explicit map `WRITES` below says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { schema } from '@shanhai/db';
import { INT4_MAX, INT4_MIN } from '@shanhai/domain';
import { createTestApp, type TestApp } from '../../apps/api/test-support/testing';
import type { JsonSchema as Schema, Operation } from '../support/openapi';

interface Leaf {
  route: string;
  /** `body.lines[].qty`, `query.limit`, `path.id`, `header.idempotency-key` */
  field: string;
  name: string;
  schema: Schema;
}
interface Column {
  table: string;
  key: string;
  sqlType: string;
}

/**
 * Request fields stored under another name than their own (field name → `table.key`). Fields not
 * listed and matching no column are checked by the general rules only (bounded, no U+0000).
 */
const WRITES: Record<string, string[]> = {
  delta: ['products.stock'], // POST /products/:id/stock adds it to the stock
  reference: ['payments.submittedReference'], // the bank reference of a transfer the buyer made
};

let t: TestApp;
let leaves: Leaf[];
const columnsByKey = new Map<string, Column[]>();
const columnsByRef = new Map<string, Column>();

beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
  const doc = t.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> } & Record<
    string,
    unknown
  >;
  const deref = (s: Schema | undefined): Schema | undefined => {
    while (s?.$ref)
      s = s.$ref
        .replace('#/', '')
        .split('/')
        .reduce((o: never, k) => o[k], doc as never) as Schema;
    return s;
  };
  leaves = [];
  const walk = (route: string, s0: Schema | undefined, field: string, name: string) => {
    const s = deref(s0);
    if (!s) return;
    const alts = s.anyOf ?? s.oneOf;
    if (alts) return alts.forEach((a) => walk(route, a, field, name));
    const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
    if (type === 'object') {
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(route, v, `${field}.${k}`, k);
      if (typeof s.additionalProperties === 'object') walk(route, s.additionalProperties, `${field}.*`, name);
      return;
    }
    if (type === 'array') return walk(route, s.items, `${field}[]`, name);
    if (type === 'null') return;
    leaves.push({ route, field, name, schema: s });
  };
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const route = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) walk(route, p.schema, `${p.in}.${p.name}`, p.name);
      for (const [type, c] of Object.entries(op.requestBody?.content ?? {}))
        if (type === 'application/json') walk(route, c.schema, 'body', 'body');
    }

  for (const table of Object.values(schema)) {
    if (!(table instanceof PgTable)) continue;
    const config = getTableConfig(table);
    for (const [key, col] of Object.entries(table as unknown as Record<string, { getSQLType?: () => string }>)) {
      if (typeof col?.getSQLType !== 'function') continue;
      const c = { table: config.name, key, sqlType: col.getSQLType() };
      columnsByKey.set(key, [...(columnsByKey.get(key) ?? []), c]);
      columnsByRef.set(`${config.name}.${key}`, c);
    }
  }
}, 120_000);
afterAll(() => t.close());

function patterns(s: Schema): RegExp[] {
  return [s.pattern, ...(s.allOf ?? []).map((a) => a.pattern)]
    .filter((p): p is string => typeof p === 'string')
    .map((p) => new RegExp(p, 'u'));
}

/** Whether the string schema refuses every string with a U+0000 in it (tried on what it accepts). */
function refusesNul(s: Schema): boolean {
  if (s.enum || s.const !== undefined) return !(s.enum ?? [s.const]).some((v) => String(v).includes('\u0000'));
  const res = patterns(s);
  if (res.length === 0) return false;
  return res.some((re) => {
    const known = refusing.get(re.source);
    if (known !== undefined) return known;
    const samples = fc.sample(
      fc.tuple(fc.stringMatching(re), fc.nat()).map(([v, at]) => {
        const i = v.length ? at % (v.length + 1) : 0;
        return `${v.slice(0, i)}\u0000${v.slice(i)}`;
      }),
      { numRuns: 40, seed: 13 },
    );
    const refuses = samples.every((v) => !re.test(v));
    refusing.set(re.source, refuses);
    return refuses;
  });
}
const refusing = new Map<string, boolean>();

/** Bounded in length: a maximum, an enum, or a pattern with no unbounded repetition. */
function boundedLength(s: Schema): boolean {
  if (s.maxLength !== undefined || s.enum || s.const !== undefined) return true;
  // Escapes and character classes aside, no `*`, `+` or `{n,}` in the pattern.
  return patterns(s).some((re) => !/[*+]|\{\d+,\}/.test(re.source.replace(/\\./g, '').replace(/\[[^\]]*\]/g, '')));
}

/** What is wrong with a field that writes these columns. */
function columnProblems(l: Leaf, columns: Column[]): string[] {
  const bad: string[] = [];
  for (const c of columns) {
    const where = `${l.route} ${l.field} → ${c.table}.${c.key} (${c.sqlType})`;
    const min = l.schema.minimum ?? l.schema.exclusiveMinimum ?? -Infinity;
    const max = l.schema.maximum ?? l.schema.exclusiveMaximum ?? Infinity;
    if (c.sqlType === 'integer' && (min < INT4_MIN || max > INT4_MAX)) bad.push(`${where}: ${min} … ${max}`);
    if (c.sqlType === 'bigint' && (min < Number.MIN_SAFE_INTEGER || max > Number.MAX_SAFE_INTEGER))
      bad.push(`${where}: ${min} … ${max}`);
    if (/^(text|varchar)/.test(c.sqlType) && l.schema.type === 'string' && !boundedLength(l.schema))
      bad.push(`${where}: no maximum length`);
    const varchar = /^varchar\((\d+)\)/.exec(c.sqlType);
    if (varchar && (l.schema.maxLength ?? Infinity) > Number(varchar[1]))
      bad.push(`${where}: maxLength ${l.schema.maxLength}`);
  }
  return bad;
}

function columnsOf(leaf: Leaf): Column[] {
  const mapped = WRITES[leaf.name]?.map((ref) => columnsByRef.get(ref)!) ?? [];
  return [...mapped, ...(leaf.field.startsWith('body') ? (columnsByKey.get(leaf.name) ?? []) : [])];
}

describe('request fields are bounded by what PostgreSQL stores', () => {
  it('maps the renamed fields to columns that exist', () => {
    for (const [name, refs] of Object.entries(WRITES))
      for (const ref of refs) expect(columnsByRef.has(ref), `${name} → ${ref}`).toBe(true);
    expect(leaves.length).toBeGreaterThan(300);
  });

  it('every string refuses U+0000 and has a maximum length', () => {
    const bad: string[] = [];
    for (const l of leaves.filter((l) => l.schema.type === 'string' || l.schema.type?.includes('string'))) {
      if (!refusesNul(l.schema)) bad.push(`${l.route} ${l.field}: accepts U+0000`);
      if (!boundedLength(l.schema)) bad.push(`${l.route} ${l.field}: no maximum length`);
    }
    expect(bad).toEqual([]);
  });

  it('every number is bounded within the safe integer range', () => {
    const bad: string[] = [];
    for (const l of leaves.filter((l) => l.schema.type === 'integer' || l.schema.type === 'number')) {
      const min = l.schema.minimum ?? l.schema.exclusiveMinimum;
      const max = l.schema.maximum ?? l.schema.exclusiveMaximum;
      if (min === undefined || min < Number.MIN_SAFE_INTEGER || max === undefined || max > Number.MAX_SAFE_INTEGER)
        bad.push(`${l.route} ${l.field}: ${min} … ${max}`);
    }
    expect(bad).toEqual([]);
  });

  it('a field written to a column is bounded by the column’s type', () => {
    const bad = leaves.flatMap((l) => columnProblems(l, columnsOf(l)));
    expect(leaves.filter((l) => columnsOf(l).length > 0).length).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it('the checks catch what they are for', () => {
    const leaf = (schema: Schema, name = 'x'): Leaf => ({ route: 'PUT /t', field: `body.${name}`, name, schema });
    const qty = columnsByKey.get('qty')!.filter((c) => c.table === 'cart_lines');
    expect(columnProblems(leaf({ type: 'integer', minimum: 1, maximum: 2 ** 31 }), qty)).toHaveLength(1);
    expect(columnProblems(leaf({ type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 }), qty)).toEqual([]);
    const fen = [columnsByRef.get('purchases.totalFen')!];
    expect(columnProblems(leaf({ type: 'integer', minimum: 0, maximum: 2 ** 53 }), fen)).toHaveLength(1);
    const note = [columnsByRef.get('purchases.note')!];
    expect(columnProblems(leaf({ type: 'string', pattern: '^[^\\u0000]*$' }), note)).toHaveLength(1);
    expect(refusesNul({ type: 'string', maxLength: 5 })).toBe(false);
    expect(refusesNul({ type: 'string', pattern: '^[a-z]+$' })).toBe(true);
    expect(refusesNul({ type: 'string', pattern: '^.*$' })).toBe(false);
    expect(boundedLength({ type: 'string', pattern: '^[0-9+]{6,20}$' })).toBe(true);
    expect(boundedLength({ type: 'string', pattern: '^[a-z_]+(,[a-z_]+)*$' })).toBe(false);
  });

  it('a U+0000 in a field is a 400 naming the field, worded, not a 500 from PostgreSQL', async () => {
    // The checks above read the schema; this one asks the api.
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@b.cn', password: 'x\u0000y' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { errors: { field: string; code: string; message: string }[] };
    expect(body.errors).toEqual([
      expect.objectContaining({
        field: 'body.password',
        code: 'invalid_format',
        message: 'must not contain control characters',
      }),
    ]);
  });
});
