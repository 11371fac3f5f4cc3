/** The real worker for a cross-app test, in this process, beside a test app. */
import type { TestApp } from '../../apps/api/test-support/testing';
import type { WorkerConfig } from '@shanhai/worker/env';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime, type Runtime } from '@shanhai/worker/runtime';
import { startSmtp, type SmtpCapture } from './smtp';

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

/**
 * A real SMTP server and the worker mailing to it (links to http://shanhai.test), as the
 * notification suites run them beside their test app; `close` stops both.
 */
export async function startMailingWorker(
  t: TestApp,
): Promise<{ worker: Runtime; smtp: SmtpCapture; close(): Promise<void> }> {
  const smtp = await startSmtp();
  const worker = await startWorkerFor(t, {
    smtpUrl: smtp.url,
    appUrl: 'http://shanhai.test',
    mailFrom: 'Shanhai <noreply@shanhai.test>',
    emailConcurrency: 4,
  });
  return {
    worker,
    smtp,
    async close() {
      await worker.close();
      await smtp.close();
    },
  };
}
