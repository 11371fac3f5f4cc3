import { createServer, type Server } from 'node:http';
import type { Runtime } from './runtime';

/**
 * The worker's only HTTP surface, for the container's HEALTHCHECK and for Prometheus: `/healthz`
 * (200 while every BullMQ worker runs and Redis is connected) and `/metrics`. Two fixed routes of a
 * process that serves nothing else, so node:http rather than a web framework.
 */
export function startHealthServer(runtime: Runtime, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (path === '/healthz') {
      const down = runtime.workers.filter((w) => !w.isRunning()).map((w) => w.name);
      const ok = down.length === 0 && runtime.redis.status === 'ready';
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(ok ? { status: 'ok' } : { status: 'down', workersDown: down, redis: runtime.redis.status }),
        );
    } else if (path === '/metrics') {
      runtime.metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': runtime.metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
