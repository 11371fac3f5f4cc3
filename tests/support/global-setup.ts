import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb, runMigrations } from '@shanhai/db';
import { seedDemo } from '@shanhai/db/seed';
import { ensureDatabase, startPostgres, startRedis } from '@shanhai/devstack';
import { TEMPLATE_DEMO, TEMPLATE_EMPTY } from '@shanhai/db/testing';

/**
 * One throwaway PostgreSQL and Redis for the whole run (never the developer's), on free ports,
 * with two migrated templates to clone: an empty one and one holding the demo world.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'shanhai-test-'));
  // PostgreSQL runs as the unprivileged `postgres` user when we are root: it must reach the folder.
  chmodSync(dir, 0o755);
  const pg = await startPostgres({ dataDir: join(dir, 'pg'), persistent: false, logFile: join(dir, 'postgres.log') });
  const redis = await startRedis({ dir: join(dir, 'redis'), persistent: false });

  const emptyUrl = await ensureDatabase(pg.url, TEMPLATE_EMPTY);
  await runMigrations(emptyUrl);
  const demoUrl = await ensureDatabase(pg.url, TEMPLATE_DEMO);
  await runMigrations(demoUrl);
  const demo = createDb(demoUrl, { max: 2 });
  await seedDemo(demo.db);
  await demo.close();

  project.provide('pgAdminUrl', pg.url);
  project.provide('redisUrl', redis.url);

  return async () => {
    await redis.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
