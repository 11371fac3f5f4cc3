import fp from 'fastify-plugin';
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The durations of one label set (method, route, status): counts per bucket, sum and count. */
export class DurationSeries {
  /** Per bucket bound, the observations that fell in it and above the bound below (not cumulative). */
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: { method: string; route: string; status: string },
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    const i = this.bounds.findIndex((b) => seconds <= b);
    if (i >= 0) this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * The request-duration histogram, by method, route and status, in prom-client's registry.
 *
 * prom-client's own Histogram validates and hashes the labels on every observation, its labelled
 * children too (lib/histogram.js `observe`). That and its garbage were most of what a cached
 * leaderboard answer cost the api beyond a bare route sending the same bytes (bench:sales with wrk
 * on pinned cores: 75 against 56 µs of CPU per answer). Here a label set's series is found
 * once, by whoever answers it often (the front cache keeps it with the cached answer), and an
 * observation is a bucket search and three additions. The registry reads it as it reads prom-client's
 * own metrics, through `get()`, and the exposition is the same as prom-client's Histogram's for the
 * same observations (metrics.test.ts compares them). Label sets are bounded: routes are patterns,
 * not URLs.
 */
export class RequestDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, DurationSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = DURATION_BUCKETS,
  ) {}

  /** The series of one label set, made on first use. */
  seriesOf(method: string, route: string, status: number): DurationSeries {
    const key = `${status} ${method} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = new DurationSeries({ method, route, status: String(status) }, this.buckets);
      this.series.set(key, series);
    }
    return series;
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.seriesOf(method, route, status).observe(seconds);
  }

  /** What prom-client's Histogram#get answers: cumulative buckets, +Inf, sum and count per series. */
  get() {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, labels: { le, ...s.labels }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /**
   * Zeroes every series (Registry#resetMetrics). They are kept, not dropped as prom-client does,
   * since whoever holds one (the front cache) goes on counting in it.
   */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

/** Prometheus metrics at /metrics: process defaults plus request durations by route. */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'shanhai_api_' });
    const duration = new RequestDurations(
      'shanhai_api_http_request_duration_seconds',
      'HTTP request duration by method, route and status',
    );
    // prom-client's typings list only its own four metric classes; the registry needs get() and reset().
    registry.registerMetric(duration as unknown as Metric);
    app.decorate('metrics', registry);
    // A callback hook, not an async one: it runs after every response, and a promise each costs.
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
