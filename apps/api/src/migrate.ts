/**
 * `node dist/migrate.js` (from source: `tsx apps/api/src/migrate.ts`): applies migrations/ and exits.
 * Deployments run it once per release, before the api replicas start (compose's `migrate` service);
 * the advisory lock makes two at once safe.
 */
import { runMigrations } from '@shanhai/db';
import { loadMigrateConfig } from './env';

await runMigrations(loadMigrateConfig().databaseUrl);
