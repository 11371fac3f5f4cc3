import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Request durations by method, route and status: prom-client's Histogram, observed through its
 * labelled children, one kept per label set. `histogram.observe(labels, v)` validates and hashes
 * the labels on every call, a real share of a cheap route's cost (the cached leaderboard);
 * a child's `observe(v)` skips that. Label sets are bounded: routes are patterns, not URLs.
 */
export class RequestDurations {
  private readonly children = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  constructor(private readonly histogram: Histogram<'method' | 'route' | 'status'>) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${status} ${method} ${route}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.histogram.labels(method, route, String(status));
      this.children.set(key, child);
    }
    child.observe(seconds);
  }
}

/** Prometheus metrics at /metrics: process defaults plus request durations by route. */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'shanhai_api_' });
    const duration = new RequestDurations(
      new Histogram({
        name: 'shanhai_api_http_request_duration_seconds',
        help: 'HTTP request duration by method, route and status',
        labelNames: ['method', 'route', 'status'] as const,
        buckets: DURATION_BUCKETS,
        registers: [registry],
      }),
    );
    app.decorate('metrics', registry);
    // A callback hook, not an async one: it runs after every response, and a promise each costs.
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    // Answers the front cache sends before the router count like the router's own.
    app.frontCache.observer = (route, status, seconds) => duration.observe('GET', route, status, seconds);
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
