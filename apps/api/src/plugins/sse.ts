import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { DEFAULT_SSE_OPTIONS, SseHub, type SseOptions } from '../lib/sse';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every open event stream of this replica (see lib/sse). */
    sse: SseHub;
  }
}

/** The replica's event streams, with their count and drops as metrics. */
export default fp<{ options?: Partial<SseOptions> }>(
  async (app, opts) => {
    const hub = new SseHub({ ...DEFAULT_SSE_OPTIONS, ...opts.options });
    app.decorate('sse', hub);
    new Gauge({
      name: 'shanhai_api_sse_clients',
      help: 'Open event streams (live boards, wall screens, tabs) on this replica',
      registers: [app.metrics],
      collect() {
        this.set(hub.size);
      },
    });
    let counted = 0;
    new Counter({
      name: 'shanhai_api_sse_dropped_total',
      help: 'Event streams dropped for falling too far behind (told to reconnect)',
      registers: [app.metrics],
      collect() {
        this.inc(hub.dropped - counted);
        counted = hub.dropped;
      },
    });
    // Streams end before the server closes: browsers reconnect, to another replica.
    app.addHook('preClose', async () => hub.close());
  },
  { name: 'sse', dependencies: ['metrics'] },
);
