import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { schema, transactionWithFinal, type Db, type FinalStatement } from '@shanhai/db';
import { HttpProblem } from './problem';

/** The `Idempotency-Key` request header: 1–255 visible ASCII characters (a UUID is typical). */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters');
export const IdempotencyHeaders = z.looseObject({ 'idempotency-key': IdempotencyKey.optional() });

/** JSON with object keys sorted, so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

class AlreadyUsed extends Error {}

/** What a write answers, and optionally its last step. */
export interface Effect<T> {
  status: number;
  body: T;
  /**
   * The transaction's last statement (a SELECT: the answer is stored by it, before it starts), sent
   * together with the COMMIT:
   * where a write locks rows that every writer wants (a product's stock), it does that here, so
   * that nothing but the commit follows while it holds them. Its failure rolls everything back.
   */
  final?: FinalStatement;
}

export interface Outcome<T> {
  status: number;
  body: T;
  /** true when this answer is the stored first answer of an earlier request with the same key. */
  replayed: boolean;
}

/**
 * Invariant 4: runs a money-bearing write at most once per (org, Idempotency-Key). The key row is
 * inserted in the same transaction as the effect, first: a concurrent request with the same key
 * waits on the unique index until the first commits, then replays its stored answer. The same
 * key with another body (or on another operation) answers 422. Only successful answers are
 * stored; a request that failed left no effect and no key, so its retry runs again.
 */
export async function idempotent<T>(
  db: Db,
  opts: { orgId: string; key: string | undefined; scope: string; request: unknown },
  fn: (tx: Db) => Promise<Effect<T>>,
): Promise<Outcome<T>> {
  const { orgId, key, scope } = opts;
  if (!key) {
    return transactionWithFinal(db, async (tx) => {
      const { status, body, final } = await fn(tx);
      return { value: { status, body, replayed: false }, final };
    });
  }
  const requestHash = createHash('sha256')
    .update(canonical({ scope, request: opts.request }))
    .digest('hex');
  const where = and(eq(schema.idempotencyKeys.orgId, orgId), eq(schema.idempotencyKeys.key, key));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await transactionWithFinal(db, async (tx) => {
        const claimed = await tx
          .insert(schema.idempotencyKeys)
          .values({ orgId, key, scope, requestHash, responseStatus: 0, responseBody: {} })
          .onConflictDoNothing()
          .returning({ key: schema.idempotencyKeys.key });
        if (claimed.length === 0) throw new AlreadyUsed();
        const { status, body, final } = await fn(tx);
        const store = sql`update ${schema.idempotencyKeys} set response_status = ${status}, response_body = ${JSON.stringify(body)}::jsonb
          where org_id = ${orgId} and key = ${key}`;
        const value = { status, body, replayed: false as boolean };
        if (!final) {
          await tx.execute(store);
          return { value };
        }
        // Stored by the final statement (one round trip fewer), before it takes its locks: as a plain
        // CTE of it, PostgreSQL would write the answer (a few kB of jsonb, compressed) after the
        // statement, holding the contended rows (a product's stock) longer.
        if (final.before) throw new Error('idempotent: the final statement already has a statement before it');
        return { value, final: { ...final, before: store } };
      });
    } catch (e) {
      if (!(e instanceof AlreadyUsed)) throw e;
    }
    const [row] = await db.select().from(schema.idempotencyKeys).where(where);
    // Purged between our conflict and this read: claim it again.
    if (!row) continue;
    if (row.scope !== scope || row.requestHash !== requestHash) {
      throw new HttpProblem(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different request',
        {
          errors: [{ field: 'headers.idempotency-key', message: 'was already used for a different request' }],
        },
      );
    }
    return { status: row.responseStatus, body: row.responseBody as T, replayed: true };
  }
  throw new Error('idempotency key could not be claimed');
}

/**
 * `idempotent` for a route: the key is the request's Idempotency-Key header (none: no key), the
 * request its body; `scope` names the operation ("POST /api/v1/purchases").
 */
export function idempotentRequest<T>(
  db: Db,
  orgId: string,
  request: { headers: { 'idempotency-key'?: string }; body: unknown },
  scope: string,
  fn: (tx: Db) => Promise<Effect<T>>,
): Promise<Outcome<T>> {
  return idempotent(db, { orgId, key: request.headers['idempotency-key'], scope, request: request.body }, fn);
}

/** Answers an idempotent write: its status, `idempotent-replayed`, and `body` (the stored one unless given). */
export function sendOutcome<T>(reply: FastifyReply, out: Outcome<T>, body: unknown = out.body) {
  return reply.code(out.status).header('idempotent-replayed', String(out.replayed)).send(body);
}
