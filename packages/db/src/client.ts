import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { hostname } from 'node:os';
import pg from 'pg';
import { AmountOutOfRange } from '@shanhai/domain';
import * as schema from './schema/index';

const INT8_OID = 20;

/**
 * bigint columns (fen, counts) come back as numbers, never as strings: a `"947"` in JSON is a bug.
 * A value outside the safe integer range fails loudly instead of losing precision.
 */
pg.types.setTypeParser(INT8_OID, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new AmountOutOfRange(`int8 ${value} is outside the safe integer range`);
  return n;
});

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A transaction handle; services take one where they can run inside a caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or a transaction: what a service needs to run a query. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Pool size; the api and the worker each hold one pool. */
  max?: number;
  applicationName?: string;
}

/**
 * `role host:pid` (PostgreSQL keeps 63 bytes): with N replicas, pg_stat_activity then tells which
 * process holds a connection, a lock or a long query.
 */
export function processAppName(role: string): string {
  return `${role} ${hostname()}:${process.pid}`.slice(0, 63);
}

export function createDb(url: string, options: DbOptions = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'shanhai',
    // A stuck query must not hold a request forever.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return { db, pool, close: () => pool.end() };
}

/** A transaction's last statement, sent to PostgreSQL together with its COMMIT. */
export interface FinalStatement {
  query: SQL;
  /**
   * A write (an INSERT, UPDATE or DELETE, without RETURNING) made in the same statement, before
   * `query` (then a SELECT) starts: a data-modifying CTE that `query` does not read would run
   * after it, PostgreSQL's order, while `query` holds its locks. This one is gated in front of it.
   */
  before?: SQL;
  /** What to throw instead when it fails (the COMMIT then rolled everything back). */
  onError?: (err: unknown) => unknown;
}

const dialect = new PgDialect({ casing: 'snake_case' });
const boundDbs = new WeakMap<pg.PoolClient, Db>();

/**
 * Runs `fn` in a transaction on one pooled connection, like `db.transaction`, but `fn` may name
 * the transaction's last statement, which goes out with the COMMIT right behind it: node-postgres
 * sends a queued query the moment the previous one completes, so no trip through the event loop
 * separates them. Where that statement locks rows that every writer wants (a popular product's
 * stock), the rows are held for that statement and the commit only, however busy the process
 * is. `fn` gets a database bound to the transaction's connection; it must not open another
 * transaction on it.
 */
export async function transactionWithFinal<T>(
  db: Db,
  fn: (tx: Db) => Promise<{ value: T; final?: FinalStatement | undefined }>,
): Promise<T> {
  const client = await (db as unknown as { $client: pg.Pool }).$client.connect();
  // Set when the connection's state is unknown (it failed under begin/commit/rollback): such a
  // connection is destroyed, not given back to the pool.
  let broken: Error | undefined;
  const control = (command: 'begin' | 'commit' | 'rollback') =>
    client.query(command).catch((err: Error) => {
      broken = err;
      throw err;
    });
  try {
    let tx = boundDbs.get(client);
    if (!tx) {
      tx = drizzle({ client, schema, casing: 'snake_case' }) as unknown as Db;
      // A nested db.transaction() would send a second BEGIN on this connection (a warning, and
      // its COMMIT would end ours early): refuse it loudly instead.
      Object.defineProperty(tx, 'transaction', {
        value: () =>
          Promise.reject(new Error('transactionWithFinal: already in a transaction; use the handle you were given')),
      });
      boundDbs.set(client, tx);
    }
    await control('begin');
    let out: { value: T; final?: FinalStatement | undefined };
    try {
      out = await fn(tx);
    } catch (err) {
      await control('rollback');
      throw err;
    }
    if (!out.final) {
      await control('commit');
      return out.value;
    }
    // `before` as a CTE whose row count gates the query: a one-time filter, which PostgreSQL checks
    // (running the CTE to its end) before it executes the query under it.
    const q = dialect.sqlToQuery(
      out.final.before
        ? sql`with before as (${out.final.before} returning 1) select * from (${out.final.query}) last_statement where (select count(*) from before) >= 0`
        : out.final.query,
    );
    const [last, commit] = await Promise.allSettled([client.query(q.sql, q.params), control('commit')]);
    // A failed statement aborts the transaction, and PostgreSQL answers its COMMIT with a rollback.
    if (last.status === 'rejected') throw out.final.onError ? out.final.onError(last.reason) : last.reason;
    if (commit.status === 'rejected') throw commit.reason;
    return out.value;
  } finally {
    client.release(broken);
  }
}

/** Whether `e` is PostgreSQL's unique violation (23505) of `constraint`, as pg or drizzle throws it. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pgErr = err.cause ?? err;
  return pgErr.code === '23505' && pgErr.constraint === constraint;
}

/**
 * `column = any($1::type[])`: the values travel as one array parameter, however many there are (an
 * IN list takes a parameter each, up to PostgreSQL's 65,535). `column` is a drizzle column or, in
 * hand-written SQL, a fragment such as sql`p.id`.
 */
export function anyOf(
  column: SQLWrapper,
  values: readonly (string | number)[],
  type: 'uuid' | 'text' | 'bigint' | 'category',
): SQL {
  return sql`${column} = any(${sql.param([...values])}::${sql.raw(type)}[])`;
}
