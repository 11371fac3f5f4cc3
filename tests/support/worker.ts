/** The real worker for a cross-app test, in this process, beside a test app. */
import type { TestApp } from '../../apps/api/test-support/testing';
import type { WorkerConfig } from '@shanhai/worker/env';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime, type Runtime } from '@shanhai/worker/runtime';

/**
 * Starts the worker on the test app's database and Redis key prefix (so it takes the jobs the app
 * enqueues and the app hears what it announces), silent, with `overrides` on top.
 */
export function startWorkerFor(t: TestApp, overrides: Partial<WorkerConfig> = {}): Promise<Runtime> {
  return startRuntime(
    {
      databaseUrl: t.config.databaseUrl,
      databasePoolMax: 4,
      redisUrl: t.config.redisUrl,
      redisPrefix: t.config.redisPrefix,
      logLevel: 'silent',
      concurrency: 1,
      ...overrides,
    },
    createLogger('silent'),
  );
}
