import fp from 'fastify-plugin';
import { createDb, processAppName, type Db, type DbHandle } from '@shanhai/db';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    pool: DbHandle['pool'];
  }
}

export default fp<{ url: string; max: number }>(
  async (app, opts) => {
    const handle = createDb(opts.url, { max: opts.max, applicationName: processAppName('shanhai-api') });
    app.decorate('db', handle.db);
    app.decorate('pool', handle.pool);
    app.addHook('onClose', () => handle.close());
  },
  { name: 'database' },
);
