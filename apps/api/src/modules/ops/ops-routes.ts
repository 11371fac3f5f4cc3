import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

const Readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  postgres: z.enum(['ok', 'down']),
  redis: z.enum(['ok', 'down']),
});

/** Liveness (the process answers) and readiness (PostgreSQL and Redis reachable). */
const opsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        withTimeout(app.db.execute(sql`select 1`), CHECK_TIMEOUT_MS).then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
        withTimeout(app.redis.ping(), CHECK_TIMEOUT_MS).then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
      ]);
      const ok = postgres === 'ok' && redis === 'ok';
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', postgres, redis });
    },
  );
};

export default opsRoutes;
