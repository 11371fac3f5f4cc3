import { describe, expect, it } from 'vitest';
import { Histogram, Registry, type Metric } from 'prom-client';
import { RequestDurations } from './metrics';

const histogram = (registry: Registry) =>
  new Histogram({
    name: 'shanhai_api_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

describe('RequestDurations', () => {
  it('exposes exactly what observing prom-client’s Histogram by labels does', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const plain = histogram(theirs);
    const durations = new RequestDurations(
      'shanhai_api_http_request_duration_seconds',
      'HTTP request duration by method, route and status',
    );
    ours.registerMetric(durations as unknown as Metric);
    // On a bound (le is inclusive), just above it, above the largest bound, and a second series.
    const observations = [
      ['GET', '/api/v1/leaderboard', 200, 0.005],
      ['GET', '/api/v1/leaderboard', 200, 0.0051],
      ['GET', '/api/v1/leaderboard', 304, 0.0001],
      ['POST', '/api/v1/purchases', 422, 7],
    ] as const;
    for (const [method, route, status, seconds] of observations) {
      plain.observe({ method, route, status: String(status) }, seconds);
      durations.observe(method, route, status, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(
      'shanhai_api_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/leaderboard",status="200"} 1',
    );
    expect(text).toContain(
      'shanhai_api_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/v1/purchases",status="422"} 1',
    );
  });

  it('counts in a series held by whoever answers often, across a registry reset', async () => {
    const registry = new Registry();
    const durations = new RequestDurations('d', 'durations');
    registry.registerMetric(durations as unknown as Metric);
    const held = durations.seriesOf('GET', '/api/v1/leaderboard', 200);
    held.observe(0.001);
    durations.observe('GET', '/api/v1/leaderboard', 200, 0.02);
    expect(await registry.metrics()).toContain('d_count{method="GET",route="/api/v1/leaderboard",status="200"} 2');
    expect(await registry.metrics()).toContain(
      'd_bucket{le="0.01",method="GET",route="/api/v1/leaderboard",status="200"} 1',
    );
    registry.resetMetrics();
    held.observe(0.3);
    const text = await registry.metrics();
    expect(text).toContain('d_count{method="GET",route="/api/v1/leaderboard",status="200"} 1');
    expect(text).toContain('d_sum{method="GET",route="/api/v1/leaderboard",status="200"} 0.3');
  });
});
