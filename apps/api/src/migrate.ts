/** `node --import tsx apps/api/src/migrate.ts`: applies migrations/ (the container start does this before serving). */
import { runMigrations } from '@shanhai/db';
import { loadConfig } from './env';

await runMigrations(loadConfig().databaseUrl);
