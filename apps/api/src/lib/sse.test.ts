import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SSE_OPTIONS, SseHub, sseFrame, type SseOptions } from './sse';

/** The hub behind a real HTTP server, and real clients over loopback sockets. */
let server: Server | undefined;
let hub: SseHub | undefined;
afterEach(async () => {
  hub?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
});

async function serve(options: Partial<SseOptions>) {
  const h = new SseHub({ ...DEFAULT_SSE_OPTIONS, ...options });
  hub = h;
  server = createServer((_req, res) => h.open(res));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { hub: h, port: (server.address() as AddressInfo).port };
}

interface Client {
  res: IncomingMessage;
  /** Everything received (kept only while `keep`). */
  text(): string;
  /** The ids of the events received, in order. */
  ids: number[];
  ended: Promise<void>;
}

/** Reads a stream, noting event ids as whole events arrive (big streams without keeping their text). */
function connect(port: number, keep = true): Promise<Client> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let text = '';
      let pending = '';
      const ids: number[] = [];
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (keep) text += d;
        pending += d;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const id = /^id: (\d+)$/m.exec(pending.slice(0, Math.min(end, 64)));
          if (id) ids.push(Number(id[1]));
          pending = pending.slice(end + 2);
        }
      });
      const ended = new Promise<void>((r) => res.once('end', r));
      resolve({ res, text: () => text, ids, ended });
    }).on('error', reject);
  });
}

async function until(what: string, check: () => boolean) {
  for (let i = 0; !check(); i++) {
    if (i > 20_000) throw new Error(`waited too long for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('event streams (lib/sse)', () => {
  it('writes each frame’s bytes to every client, tells them how to reconnect, and heartbeats', async () => {
    const { hub, port } = await serve({ heartbeatMs: 20 });
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    await until('three clients', () => hub.size === 3);
    expect(clients[0]!.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const frame = sseFrame('changed', JSON.stringify({ version: 7 }), 7);
    expect(hub.broadcast(frame)).toBe(3);
    for (const c of clients) {
      await until('the frame', () => c.text().includes('id: 7\n'));
      expect(c.text()).toMatch(/^retry: 2000\n\n/);
      expect(c.text()).toContain('id: 7\nevent: changed\ndata: {"version":7}\n\n');
    }
    // Comments (ignored by EventSource) keep the idle streams open through proxies.
    for (const c of clients) await until('two heartbeats', () => (c.text().match(/^: \d+\n\n/gm) ?? []).length >= 2);
    clients[1]!.res.destroy();
    await until('the closed one gone', () => hub.size === 2);
  });

  it('a client that stops reading never delays the others; once too far behind it is dropped with a reconnect hint', async () => {
    const { hub, port } = await serve({ maxBacklogBytes: 64 * 1024, retryMs: 1_000, heartbeatMs: 3_600_000 });
    const fast = await connect(port, false);
    const slow = await connect(port);
    await until('both connected', () => hub.size === 2);
    slow.res.pause();

    // Big frames fill the stalled client's socket buffers quickly. Each is broadcast once the fast
    // client has read the one before: it reads every frame while the slow one reads none.
    const payload = 'x'.repeat(16 * 1024);
    let sent = 0;
    while (hub.dropped === 0) {
      if (sent > 10_000) throw new Error('the stalled client was never dropped');
      hub.broadcast(sseFrame('changed', payload, ++sent));
      const want = sent;
      await until(`frame ${want} at the fast client`, () => fast.ids.at(-1) === want);
    }
    expect(hub.size).toBe(1);
    expect(fast.ids).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    // The fast one goes on hearing; the dropped one hears nothing new.
    hub.broadcast(sseFrame('changed', '{}', sent + 1));
    await until('the next frame', () => fast.ids.at(-1) === sent + 1);

    // The dropped client, reading again, gets its backlog in order, then the hint, then the end.
    slow.res.resume();
    await slow.ended;
    const got = slow.ids;
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expect(got.length).toBeLessThan(sent);
    expect(slow.text()).toMatch(/: too far behind, dropped\nretry: (\d+)\n\n$/);
    const retry = Number(/retry: (\d+)\n\n$/.exec(slow.text())![1]);
    expect(retry).toBeGreaterThanOrEqual(1_000);
    expect(retry).toBeLessThan(2_000);
  });
});
