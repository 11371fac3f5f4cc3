import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/**
 * The production build (scripts/bundle.mjs) copies migrations/ beside the bundle and defines this
 * as its path relative to the bundle; from source it is the repository's folder.
 */
declare const SHANHAI_BUNDLED_MIGRATIONS: string | undefined;

export const MIGRATIONS_FOLDER = fileURLToPath(
  typeof SHANHAI_BUNDLED_MIGRATIONS === 'string'
    ? new URL(SHANHAI_BUNDLED_MIGRATIONS, import.meta.url)
    : new URL('../../../migrations', import.meta.url),
);

/** Any constant works; it only has to be the same for every process that migrates. */
export const MIGRATION_LOCK_KEY = 74_2026_0001;

/**
 * Applies migrations/ on one dedicated connection, under an advisory lock so that several
 * replicas starting at once migrate exactly once.
 */
export async function runMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'shanhai-migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migrate(drizzle({ client, casing: 'snake_case' }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
