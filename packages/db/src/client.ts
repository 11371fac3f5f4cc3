import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index';

const INT8_OID = 20;

/**
 * bigint columns (fen, counts) come back as numbers, never as strings: a `"947"` in JSON is a bug.
 * A value outside the safe integer range fails loudly instead of losing precision.
 */
pg.types.setTypeParser(INT8_OID, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${value} is outside the safe integer range`);
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
