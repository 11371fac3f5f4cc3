import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { unauthorized } from '../lib/problem';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** Answer times from a cached board (under 5 ms) to a slow export (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface MetricsOptions {
  /**
   * The bearer token a scraper must send. Without one /metrics is not served (404): what the
   * process exposes is decided by configuration, never public by accident.
   */
  token?: string | undefined;
}

/** Compares digests so that neither the token's length nor its prefix leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Prometheus metrics at /metrics (behind a bearer token): process defaults plus request durations by route. */
export default fp<MetricsOptions>(
  async (app, options) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'shanhai_api_' });
    // Label sets stay bounded: the route is the pattern (`unmatched` for a 404), never the URL.
    const duration = new Histogram({
      name: 'shanhai_api_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    app.decorate('metrics', registry);
    // A callback hook, not an async one: it runs after every response, and a promise each costs.
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
    const token = options.token;
    if (!token) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!sameToken(given, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw unauthorized('GET /metrics needs the METRICS_TOKEN as a bearer token');
      }
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
