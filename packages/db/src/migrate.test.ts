import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { MIGRATION_LOCK_KEY, MIGRATIONS_FOLDER, runMigrations } from './migrate';
import { withDatabase } from '../test-support/testing';

/**
 * Upgrades (docs/operations.md): replicas or a one-shot step that migrate at once apply each
 * migration exactly once, because runMigrations waits for the advisory lock before it reads what
 * is applied.
 */
const adminUrl = inject('pgAdminUrl');
const name = `t_migrate_${randomBytes(5).toString('hex')}`;
const url = withDatabase(adminUrl, name);
const MIGRATIONS = (
  JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  }
).entries.length;

async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  // A database with nothing in it, as a new deployment's.
  await withClient(adminUrl, (c) => c.query(`create database "${name}" template template0`));
});
afterAll(async () => {
  await withClient(adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
});

describe('migrations under the advisory lock', () => {
  it('wait while another process holds the lock, then three at once apply each migration once', async () => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // Another process is migrating: runMigrations must not start until it lets go.
      await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const runs = [runMigrations(url), runMigrations(url), runMigrations(url)];
      let finished = 0;
      for (const r of runs) void r.then(() => finished++);
      await withClient(url, async (c) => {
        // Poll until all three wait on the lock (pg_locks shows an ungranted advisory lock each).
        const waiting = async () =>
          (
            await c.query<{ n: number }>(
              `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
                  and database = (select oid from pg_database where datname = current_database())`,
            )
          ).rows[0]!.n;
        for (let i = 0; i < 400 && (await waiting()) < 3; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await waiting()).toBe(3);
        expect(finished).toBe(0);
        const schemas = await c.query("select 1 from information_schema.schemata where schema_name = 'drizzle'");
        expect(schemas.rowCount).toBe(0);
      });
      await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await Promise.all(runs);
    } finally {
      await holder.end();
    }
    await withClient(url, async (c) => {
      const applied = await c.query<{ n: number; distinct_hashes: number }>(
        'select count(*)::int as n, count(distinct hash)::int as distinct_hashes from drizzle.__drizzle_migrations',
      );
      expect(applied.rows[0]).toEqual({ n: MIGRATIONS, distinct_hashes: MIGRATIONS });
      // The schema is there: a table of the last migrations exists.
      const tally = await c.query("select to_regclass('public.journal_entries') is not null as present");
      expect(tally.rows[0]).toEqual({ present: true });
    });
    // A later start finds nothing to do.
    await runMigrations(url);
    await withClient(url, async (c) => {
      const again = await c.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(again.rows[0]!.n).toBe(MIGRATIONS);
    });
  });
});
