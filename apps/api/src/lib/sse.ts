import type { ServerResponse } from 'node:http';

/**
 * Server-sent events on one api replica: every open stream, the frames written to them, heartbeats,
 * and back-pressure. A frame is serialised once and the same bytes are written to every client.
 * Writing never waits for a client: a slow one's frames queue in its own buffer, and one that falls
 * too far behind is dropped with a reconnect hint, so it costs no more than that buffer and never
 * delays the others.
 */

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx buffers proxied responses unless told not to.
  'x-accel-buffering': 'no',
} as const;

/** One event, serialised: `id:` (optional), `event:`, one `data:` line (JSON has no newline). */
export function sseFrame(event: string, data: string, id?: number): Buffer {
  return Buffer.from(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
}

export interface SseOptions {
  /** A comment this often keeps proxies from closing an idle stream and finds dead clients. */
  heartbeatMs: number;
  /** Bytes a client may have waiting unsent (beyond what the kernel holds) before it is dropped. */
  maxBacklogBytes: number;
  /** The reconnect delay the browser is told on connect; a dropped client waits 1–2× this. */
  retryMs: number;
  /** How long a dropped client has to take its backlog and the hint before its socket is destroyed. */
  dropGraceMs: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
  heartbeatMs: 15_000,
  // ≈ 400 board changes: minutes behind, after the kernel's socket buffers are full too.
  maxBacklogBytes: 64 * 1024,
  retryMs: 2_000,
  dropGraceMs: 10_000,
};

/** An open stream. */
export class SseClient {
  constructor(
    readonly res: ServerResponse,
    private readonly hub: SseHub,
  ) {}

  get open(): boolean {
    return this.hub.has(this);
  }

  /** Writes `frame` unless the client is too far behind, in which case it is dropped; false if not written. */
  send(frame: Buffer | string): boolean {
    return this.hub.write(this, frame);
  }
}

export class SseHub {
  private readonly clients = new Set<SseClient>();
  private readonly heartbeat: NodeJS.Timeout;
  /** Clients dropped for falling too far behind, since start. */
  dropped = 0;

  constructor(readonly options: SseOptions = DEFAULT_SSE_OPTIONS) {
    this.heartbeat = setInterval(() => this.broadcast(Buffer.from(`: ${Date.now()}\n\n`)), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Starts the response as an event stream and adds it; it leaves when its connection closes. */
  open(res: ServerResponse): SseClient {
    res.writeHead(200, SSE_HEADERS);
    res.write(`retry: ${this.options.retryMs}\n\n`);
    const client = new SseClient(res, this);
    this.clients.add(client);
    res.once('close', () => this.clients.delete(client));
    return client;
  }

  has(client: SseClient): boolean {
    return this.clients.has(client);
  }

  get size(): number {
    return this.clients.size;
  }

  write(client: SseClient, frame: Buffer | string): boolean {
    if (!this.clients.has(client)) return false;
    // writableLength: what Node holds for this response, unsent because the socket's kernel buffer is full.
    if (client.res.writableLength > this.options.maxBacklogBytes) {
      this.drop(client);
      return false;
    }
    client.res.write(frame);
    return true;
  }

  /** The same bytes to every client; returns how many were written to. */
  broadcast(frame: Buffer): number {
    let n = 0;
    for (const client of this.clients) if (this.write(client, frame)) n++;
    return n;
  }

  /**
   * Ends a client that is too far behind: after its backlog it reads a reconnect hint (the
   * EventSource waits that long, then reconnects with Last-Event-ID and catches up at once). The
   * delay is spread so that many clients dropped together do not all come back together. A client
   * that does not even take that is cut off.
   */
  private drop(client: SseClient): void {
    this.clients.delete(client);
    this.dropped++;
    const { res } = client;
    const retry = this.options.retryMs + Math.floor(Math.random() * this.options.retryMs);
    res.end(`: too far behind, dropped\nretry: ${retry}\n\n`);
    const cut = setTimeout(() => res.destroy(), this.options.dropGraceMs);
    cut.unref();
    res.once('close', () => clearTimeout(cut));
  }

  /** Ends every stream (shutdown: the browsers reconnect, to another replica). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }
}
