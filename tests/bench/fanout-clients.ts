/**
 * bench:fanout's clients, in their own process (forked by fanout.ts) so that reading thousands of
 * streams does not share an event loop with the api or with the worker: plain TCP sockets speaking
 * just enough HTTP/1.1 to open `GET /api/v1/leaderboard/stream` and note when each `changed` event
 * arrives (Date.now(), the clock the other processes read too).
 *
 * Commands over IPC: `connect` (n streams, opened a few hundred at a time, each until its `hello`),
 * `report` (per board version: how many streams got it and when), `disconnect`.
 */
import { connect as tcpConnect, type Socket } from 'node:net';

export type ClientsCommand = { cmd: 'connect'; port: number; n: number } | { cmd: 'report' } | { cmd: 'disconnect' };

export interface VersionReport {
  version: number;
  /** Streams that got it. */
  count: number;
  /** Receive times over those streams (epoch ms). */
  first: number;
  p50: number;
  p99: number;
  last: number;
}

export type ClientsMessage =
  | { connected: number; failed: number }
  | { versions: VersionReport[]; open: number; endedByServer: number }
  | { disconnected: number };

const OPENING_AT_ONCE = 200;
const sockets = new Set<Socket>();
/** Per version, each stream's receive time. */
let received = new Map<number, number[]>();
let endedByServer = 0;

function open(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let greeted = false;
    let carry = '';
    socket.setEncoding('utf8');
    socket.on('connect', () =>
      socket.write(
        'GET /api/v1/leaderboard/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: keep-alive\r\n\r\n',
      ),
    );
    socket.on('data', (d: string) => {
      const now = Date.now();
      const text = carry + d;
      // A frame is written in one piece, but TCP may split it: keep an unfinished tail.
      const cut = text.lastIndexOf('\n\n');
      carry = cut >= 0 ? text.slice(cut + 2) : text;
      if (!greeted && text.includes('event: hello')) {
        greeted = true;
        sockets.add(socket);
        resolve(true);
      }
      for (const m of text.slice(0, cut + 2).matchAll(/id: (\d+)\nevent: changed\n/g)) {
        const v = Number(m[1]);
        let times = received.get(v);
        if (!times) received.set(v, (times = []));
        times.push(now);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (sockets.delete(socket)) endedByServer++;
      if (!greeted) resolve(false);
    });
  });
}

const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

process.on('message', (m: ClientsCommand) => {
  const send = (msg: ClientsMessage) => process.send!(msg);
  if (m.cmd === 'connect') {
    void (async () => {
      let connected = 0;
      let failed = 0;
      for (let i = 0; i < m.n; i += OPENING_AT_ONCE) {
        const batch = await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, m.n - i) }, () => open(m.port)));
        for (const ok of batch)
          if (ok) connected++;
          else failed++;
      }
      received = new Map();
      endedByServer = 0;
      send({ connected, failed });
    })();
  } else if (m.cmd === 'report') {
    const versions = [...received.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([version, times]) => {
        const s = times.sort((a, b) => a - b);
        return { version, count: s.length, first: s[0]!, p50: at(s, 0.5), p99: at(s, 0.99), last: s.at(-1)! };
      });
    send({ versions, open: sockets.size, endedByServer });
  } else if (m.cmd === 'disconnect') {
    const n = sockets.size;
    for (const s of sockets) s.destroy();
    sockets.clear();
    send({ disconnected: n });
  }
});
