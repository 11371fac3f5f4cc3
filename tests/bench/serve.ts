/**
 * A benchmark's server, run in its own process (forked by support.ts `startServer`) so that the
 * load generator does not share its event loop: either the real api (`api <config JSON>`) or the
 * bare Fastify baseline (`bare [bodies JSON]`): `/bare` answers a small JSON, and given bodies,
 * `/same-bytes` answers those bytes (br when the client accepts it) with no more than Fastify's
 * defaults, to tell what a body's size costs from what the app around it costs. Both are started
 * the same way (Node with the tsx loader), so the baseline is a process of the same kind. Talks to the parent over IPC: sends `{ port }` once
 * listening, answers `cpu` with its CPU time and `memory` with its memory use, exits on `close`.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '@shanhai/api/app';
import type { ApiConfig } from '@shanhai/api/env';

/** The bytes `/same-bytes` answers (base64), uncoded and as br. */
export interface SameBytes {
  identity: string;
  br: string;
}
export type ServerMessage = { port: number } | { cpuMicros: number } | { memory: NodeJS.MemoryUsage };
export type ServerCommand = { cmd: 'cpu' } | { cmd: 'memory' } | { cmd: 'close' };

const [kind, configJson] = process.argv.slice(2);
let app: FastifyInstance;
if (kind === 'api') {
  app = await buildApp(JSON.parse(configJson!) as ApiConfig, { logger: false });
} else if (kind === 'bare') {
  app = Fastify();
  app.get('/bare', async () => ({ ok: true, items: [1, 2, 3] }));
  if (configJson) {
    const given = JSON.parse(configJson) as SameBytes;
    const identity = Buffer.from(given.identity, 'base64');
    const br = Buffer.from(given.br, 'base64');
    app.get('/same-bytes', (request, reply) => {
      const coded = /\bbr\b/.test(request.headers['accept-encoding'] ?? '');
      reply.header('content-type', 'application/json; charset=utf-8');
      if (coded) reply.header('content-encoding', 'br');
      return reply.send(coded ? br : identity);
    });
  }
} else {
  throw new Error(`serve.ts: unknown server kind ${kind}`);
}
await app.listen({ host: '127.0.0.1', port: 0 });
const send = (m: ServerMessage) => process.send!(m);
send({ port: (app.server.address() as AddressInfo).port });
process.on('message', (m: ServerCommand) => {
  if (m.cmd === 'cpu') {
    const u = process.cpuUsage();
    send({ cpuMicros: u.user + u.system });
  } else if (m.cmd === 'memory') {
    // After full collections when the process runs with --expose-gc: what is live, not what is garbage yet.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    send({ memory: process.memoryUsage() });
  } else if (m.cmd === 'close') {
    // A normal exit (not a signal) so that --cpu-prof writes its profile.
    void app.close().finally(() => process.exit(0));
  }
});
