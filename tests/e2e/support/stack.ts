import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@shanhai/api/app';
import { testConfig } from '../../../apps/api/test-support/testing';
import type { ApiConfig } from '@shanhai/api/env';
import { createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import { startRuntime, type Runtime } from '@shanhai/worker/runtime';
import { createLogger } from '@shanhai/worker/log';

const WEB_DIST = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

export interface Stack {
  baseUrl: string;
  api: FastifyInstance;
  worker: Runtime;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real stack for one browser test file: its own copy of the demo database, the api serving
 * the built web app on a free port, and a worker, both on the run's PostgreSQL and Redis.
 * `config` adds to the api's test configuration (Stripe pointing at a fake, say).
 */
export async function startStack(
  options: { config?: Partial<ApiConfig>; smtpUrl?: string | undefined } = {},
): Promise<Stack> {
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error(`no built web app in ${WEB_DIST}: run \`pnpm build:web\` first`);
  const database = await createTestDatabase(inject('pgAdminUrl'), 'demo');
  const config = testConfig(database.url, { webDist: WEB_DIST, ...options.config });
  const api = await buildApp(config, { logger: false });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  if (!address || typeof address === 'string') throw new Error('api has no port');
  const worker = await startRuntime(
    {
      databaseUrl: database.url,
      databasePoolMax: 5,
      redisUrl: config.redisUrl,
      redisPrefix: config.redisPrefix,
      logLevel: 'silent',
      concurrency: 2,
      // The worker makes the api's recorded calls to Stripe (refunds, intent cancels): same Stripe.
      ...(config.stripe
        ? {
            stripe: {
              secretKey: config.stripe.secretKey,
              ...(config.stripe.apiBase ? { apiBase: config.stripe.apiBase } : {}),
            },
          }
        : {}),
      // With a mail server, emails link back to this stack's web app.
      ...(options.smtpUrl
        ? {
            smtpUrl: options.smtpUrl,
            appUrl: `http://127.0.0.1:${address.port}`,
            mailFrom: 'Shanhai <noreply@shanhai.test>',
          }
        : {}),
    },
    createLogger('silent'),
  );
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    api,
    worker,
    database,
    async close() {
      await worker.close();
      await api.close();
      await database.drop();
    },
  };
}
