/** Test support for worker tests: a database of one's own and a config on the run's Redis. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import type { WorkerConfig } from '../src/env';

export async function testWorkerConfig(
  template: 'empty' | 'demo' = 'demo',
): Promise<{ config: WorkerConfig; database: TestDatabase }> {
  const database = await createTestDatabase(inject('pgAdminUrl'), template);
  return {
    database,
    config: {
      databaseUrl: database.url,
      databasePoolMax: 5,
      redisUrl: inject('redisUrl'),
      redisPrefix: `t${randomBytes(5).toString('hex')}`,
      logLevel: 'silent',
      concurrency: 2,
      mailFrom: 'Shanhai Test <noreply@shanhai.test>',
      appUrl: 'http://shanhai.test',
      emailConcurrency: 4,
    },
  };
}
