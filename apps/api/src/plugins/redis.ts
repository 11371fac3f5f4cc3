import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    /** Prefixes a Redis key or channel name with this deployment's prefix. */
    redisKey(name: string): string;
  }
}

/**
 * The api's Redis connection. Redis holds caches, queues and pub/sub only, so the api starts and
 * serves without it; commands fail fast (no offline queue) instead of hanging a request.
 */
export default fp<{ url: string; prefix: string }>(
  async (app, opts) => {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    redis.on('error', (err) => app.log.warn({ err: err.message }, 'redis connection error'));
    try {
      await redis.connect();
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, 'redis unavailable at start-up; continuing without it');
    }
    app.decorate('redis', redis);
    app.decorate('redisKey', (name: string) => `${opts.prefix}:${name}`);
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  },
  { name: 'redis' },
);

/**
 * A connection of its own subscribed to `channel` (subscribe mode takes the connection): it
 * retries forever, and ioredis resubscribes by itself after a reconnect. An app closed right after
 * it was built (tests, a failed start) closes it under a pending subscribe: only a log line naming
 * `what`. Each message's text goes to `onMessage`; the caller disconnects it on close.
 */
export function subscriber(app: FastifyInstance, channel: string, what: string, onMessage: (raw: string) => void) {
  const connection: Redis = app.redis.duplicate({
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
  });
  connection.on('error', () => undefined);
  connection.on('message', (_channel: string, raw: string) => onMessage(raw));
  connection
    .subscribe(channel)
    .catch((err: unknown) =>
      app.log.warn({ err: String(err) }, `${what} subscriber not subscribed; ioredis retries and resubscribes`),
    );
  return connection;
}
