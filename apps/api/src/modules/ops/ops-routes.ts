import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter } from '@bull-board/fastify';
import { Problem, QUEUES } from '@shanhai/domain';
import { HttpProblem } from '../../lib/problem';
import { ACCESS_TOKEN_SECONDS } from '../../plugins/auth';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

const Readiness = z.object({
  /** `starting` while a start-up task (a catch-up) runs; `unavailable` when a dependency is down. */
  status: z.enum(['ok', 'starting', 'unavailable']),
  postgres: z.enum(['ok', 'down']),
  redis: z.enum(['ok', 'down']),
  /** The start-up tasks still running, while `starting`. */
  starting: z.array(z.string()).optional(),
});

/** Cookie (path /admin/queues) that carries an office access token for browser tabs of Bull Board. */
const QUEUE_BOARD_COOKIE = 'shanhai_queues';

/**
 * Liveness (the process answers), readiness (start-up tasks done, PostgreSQL and Redis reachable), and Bull Board at
 * /admin/queues for office staff. Registered at the root, not under /api/v1.
 */
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
      const starting = app.startupPending();
      if (postgres !== 'ok' || redis !== 'ok')
        return reply.status(503).send({ status: 'unavailable', postgres, redis });
      if (starting.length > 0) return reply.status(503).send({ status: 'starting', postgres, redis, starting });
      return reply.status(200).send({ status: 'ok', postgres, redis });
    },
  );

  // Cookies (an onRequest and an onSend hook) only where a route reads or sets one.
  await app.register(async (scope) => {
    await scope.register(cookie);
    // Queue administration (retry, clean, remove jobs) is for the office's owners only.
    const officeOwner = app.guard({ kinds: ['office'], roles: ['owner'] });
    scope.post(
      '/api/v1/admin/queues/session',
      {
        schema: {
          tags: ['ops'],
          summary:
            'Lets an office owner open Bull Board (/admin/queues) in a browser tab: puts the caller’s access token in an httpOnly cookie scoped to that path',
          security: [{ bearer: [] }],
          response: { 204: z.null(), 401: Problem, 403: Problem },
        },
        preHandler: officeOwner,
      },
      async (request, reply) => {
        const token = (request.headers.authorization ?? '').replace(/^Bearer /i, '');
        // The same short-lived access token, readable only by requests to /admin/queues.
        reply.setCookie(QUEUE_BOARD_COOKIE, token, {
          path: '/admin/queues',
          httpOnly: true,
          sameSite: 'strict',
          secure: 'auto',
          maxAge: ACCESS_TOKEN_SECONDS,
        });
        return reply.code(204).send(null);
      },
    );
    await scope.register(queueBoard);
  });
};

/** Bull Board for office owners: a bearer token, or from a browser tab the cookie set above. */
async function queueBoard(scope: FastifyInstance): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/admin/queues');
  // The board's routes are registered now; its queues (BullMQ, through the queues plugin) are
  // attached on the first request an office owner makes to it, so the api starts without BullMQ.
  const board = createBullBoard({ queues: [], serverAdapter });
  let attached: Promise<void> | undefined;
  const attachQueues = async () => {
    const { BullMQAdapter } = await import('@bull-board/api/bullMQAdapter');
    // Every queue of the contract, so a failed email or a digest to re-run is in reach too.
    const queues = await Promise.all(Object.values(QUEUES).map((q) => scope.queues.get(q)));
    board.replaceQueues(queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })));
  };
  const guard = scope.guard({ kinds: ['office'], roles: ['owner'] });
  // Bull Board installs its own error handler, so the guard answers its problem itself.
  scope.addHook('onRequest', async (request, reply) => {
    // A browser tab has no Authorization header: the cookie from /api/v1/admin/queues/session stands in.
    const fromCookie = request.cookies[QUEUE_BOARD_COOKIE];
    if (!request.headers.authorization && fromCookie) request.headers.authorization = `Bearer ${fromCookie}`;
    try {
      await guard(request, reply);
      await (attached ??= attachQueues().catch((err: unknown) => {
        attached = undefined;
        throw err;
      }));
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      return reply.code(err.status).type('application/problem+json').send({
        type: 'about:blank',
        title: err.code,
        status: err.status,
        code: err.code,
        detail: err.message,
        requestId: request.id,
      });
    }
  });
  await scope.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
}

export default opsRoutes;
