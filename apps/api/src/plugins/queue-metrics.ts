import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { QUEUES } from '@shanhai/domain';

declare module 'fastify' {
  interface FastifyInstance {
    webhookFailures: Counter<'provider' | 'reason'>;
  }
}

/** A scrape waits at most this long for Redis's job counts; without them the gauge is left out. */
const QUEUE_COUNT_TIMEOUT_MS = 1_000;
const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Metrics of what the api sees of the background work: the jobs of every queue by state, read
 * from Redis at each scrape (the same figures from every replica: graph the max, not the sum),
 * and the webhook deliveries that failed here.
 */
export default fp(
  async (app) => {
    new Gauge({
      name: 'shanhai_queue_jobs',
      help: 'Jobs in each BullMQ queue by state (waiting includes prioritized; failed: those kept, the last 1,000–5,000)',
      labelNames: ['queue', 'state'] as const,
      registers: [app.metrics],
      async collect() {
        this.reset();
        if (app.redis.status !== 'ready') return;
        const counts = await Promise.race([
          Promise.all(
            Object.values(QUEUES).map(async (queue) => ({
              queue,
              c: await (
                await app.queues.get(queue)
              ).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
            })),
          ),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), QUEUE_COUNT_TIMEOUT_MS).unref()),
        ]).catch(() => null);
        for (const { queue, c } of counts ?? [])
          for (const state of STATES)
            this.set({ queue, state }, (c[state] ?? 0) + (state === 'waiting' ? (c.prioritized ?? 0) : 0));
      },
    });
    app.decorate(
      'webhookFailures',
      new Counter({
        name: 'shanhai_api_webhook_failures_total',
        help: 'Webhook deliveries that failed: rejected (4xx: bad signature or body), error (5xx), not_payable (a success that cannot pay its purchase: refund by hand)',
        labelNames: ['provider', 'reason'] as const,
        registers: [app.metrics],
      }),
    );
  },
  { name: 'queue-metrics', dependencies: ['metrics', 'queues', 'redis'] },
);
