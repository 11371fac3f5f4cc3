/**
 * The metrics plugin on a bare Fastify: prom-client's Histogram of request durations by method,
 * route pattern and status, with the process defaults, in Prometheus text at /metrics.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errorsPlugin from './errors';
import metricsPlugin from './metrics';

const TOKEN = 'a-scraper-token-0123456789';
const scrape = { authorization: `Bearer ${TOKEN}` };
const app = Fastify();
beforeAll(async () => {
  await app.register(errorsPlugin, { spa: false });
  await app.register(metricsPlugin, { token: TOKEN });
  app.get('/things/:id', async () => ({ ok: true }));
  app.post('/things', async (_request, reply) => reply.code(422).send({ ok: false }));
  await app.ready();
});
afterAll(() => app.close());

const NAME = 'shanhai_api_http_request_duration_seconds';

describe('the metrics plugin', () => {
  it('counts every answer under its route pattern, method and status, in the documented buckets', async () => {
    for (const id of ['1', '2']) await app.inject({ method: 'GET', url: `/things/${id}` });
    await app.inject({ method: 'POST', url: '/things' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: scrape });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    expect(text).toContain(`# TYPE ${NAME} histogram`);
    expect(text).toContain(`# HELP ${NAME} HTTP request duration by method, route and status`);
    expect(text).toContain(`${NAME}_count{method="GET",route="/things/:id",status="200"} 2`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",method="GET",route="/things/:id",status="200"} 2`);
    expect(text).toContain(`${NAME}_count{method="POST",route="/things",status="422"} 1`);
    expect(text).toContain(`${NAME}_count{method="GET",route="unmatched",status="404"} 1`);
    const bounds = text
      .split('\n')
      .filter((l) => l.startsWith(`${NAME}_bucket{`) && l.includes('route="/things",'))
      .map((l) => /le="([^"]+)"/.exec(l)![1]);
    expect(bounds).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf']);
    expect(text).not.toContain('/things/1');
  });

  it('exposes prom-client’s process metrics under the api’s prefix', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics', headers: scrape })).body;
    expect(text).toContain('# TYPE shanhai_api_process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE shanhai_api_nodejs_eventloop_lag_p99_seconds gauge');
  });

  it('answers 401 without the token, with a wrong one and with one of another length', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}x`, 'Bearer short', TOKEN]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });

  it('is not served at all without a configured token, while durations are still measured', async () => {
    const bare = Fastify();
    await bare.register(metricsPlugin);
    await bare.ready();
    expect((await bare.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect(await bare.metrics.getSingleMetricAsString('shanhai_api_http_request_duration_seconds')).toContain(
      'route="unmatched",status="404"',
    );
    await bare.close();
  });
});
