/**
 * A micro-cache in front of the router, for whole answers that one URL earns unchanged many times
 * a second: the public leaderboard, asked by every wall screen and office page.
 *
 * A route answers a request the normal way (routing, hooks, validation, its handler) and then
 * offers the answer to this cache: status 200, its final headers and its body, under the exact
 * request URL and content coding. Later GETs of that URL whose Accept-Encoding picks the same
 * coding are answered here, before Fastify, with the same headers and bytes. Only Date and
 * X-Request-Id are made per answer, and If-None-Match still earns a 304. The route says how long
 * an answer stays good; the owner of the data clears the cache when the data changes.
 *
 * A hit skips Fastify's per-request work (router, hook runners, query validation), which is most of
 * what a cached answer costs. It keeps everything a client or operator sees: the security headers
 * and every other header the route sent (replayed, not restated), the request id, the request
 * duration metric and the access log line.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { notModified, preferredCoding, type ContentCoding } from './http-cache';

/** Headers made per answer (by Node, by the request id), or about the connection: never replayed. */
const NOT_REPLAYED = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding']);
/** What a 304 leaves out of the 200's headers: it has no body (RFC 9110 §15.4.5). */
const NOT_IN_304 = new Set(['content-length', 'content-type', 'content-encoding']);
/** URLs kept at most (each with up to three codings); a full cache starts over. */
const MAX_URLS = 256;

type Coding = ContentCoding | 'identity';

/** Where an answer's duration is counted (the request-duration metric's series for a route and status). */
export interface DurationSink {
  observe(seconds: number): void;
}

interface Entry {
  etag: string;
  body: Buffer;
  expiresAt: number;
  /** Flat [name, value, …] lists for writeHead; the last value is the request id, set per answer. */
  ok: string[];
  notModified: string[];
  /** The metric series of this route's 200s and 304s, found once when the answer is kept. */
  okDurations: DurationSink | undefined;
  notModifiedDurations: DurationSink | undefined;
}

export interface Offer {
  /** The request's URL exactly as received (path and query). */
  url: string;
  /** The coding the answer is in (null: identity). */
  coding: ContentCoding | null;
  /** The route pattern, for the request-duration metric. */
  route: string;
  /** The headers the answer was sent with (reply.getHeaders()). */
  headers: Record<string, OutgoingHttpHeaders[string] | number>;
  body: Buffer;
  etag: string;
  /** Epoch ms after which the answer is no longer served from here. */
  validUntil: number;
  /** `generation` when the route started building the answer: a clear() since then refuses it. */
  generation: number;
}

export interface FrontCacheOptions {
  /** The request id for a request, as the app's genReqId makes it. */
  requestId: (req: IncomingMessage) => string;
  now?: () => number;
}

export class FrontCache {
  private entries = new Map<string, Partial<Record<Coding, Entry>>>();
  private closing = false;
  /** Bumped by every clear(): an answer built before it must not be kept. */
  generation = 0;
  /** The request-duration metric's series for a route and status: every answer served here is counted in it. */
  durations: ((route: string, status: 200 | 304) => DurationSink) | undefined;
  /**
   * The app's logger (pino), for the access log line Fastify would have written. Fastify's
   * stand-in when logging is off has no isLevelEnabled: nothing is logged then.
   */
  log: { isLevelEnabled?: (level: string) => boolean; info: (obj: object, msg: string) => void } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: FrontCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Keeps an answer for later GETs of the same URL and coding. */
  offer(o: Offer): void {
    if (o.generation !== this.generation || this.closing || o.validUntil <= this.now()) return;
    const ok: string[] = [];
    const notModifiedHeaders: string[] = [];
    for (const [name, value] of Object.entries(o.headers)) {
      if (value === undefined || NOT_REPLAYED.has(name)) continue;
      const text = Array.isArray(value) ? value.join(', ') : String(value);
      ok.push(name, text);
      if (!NOT_IN_304.has(name)) notModifiedHeaders.push(name, text);
    }
    ok.push('x-request-id', '');
    notModifiedHeaders.push('x-request-id', '');
    if (!this.entries.has(o.url) && this.entries.size >= MAX_URLS) this.entries = new Map();
    const codings = this.entries.get(o.url) ?? {};
    codings[o.coding ?? 'identity'] = {
      etag: o.etag,
      body: o.body,
      expiresAt: o.validUntil,
      ok,
      notModified: notModifiedHeaders,
      okDurations: this.durations?.(o.route, 200),
      notModifiedDurations: this.durations?.(o.route, 304),
    };
    this.entries.set(o.url, codings);
  }

  /** Forgets every answer (the data behind them changed). */
  clear(): void {
    this.generation++;
    this.entries = new Map();
  }

  /** From now on every request goes to the router (which answers 503 while the server closes). */
  close(): void {
    this.closing = true;
    this.clear();
  }

  /** Answers `req` from the cache and returns true, or returns false for the router to answer. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || this.closing) return false;
    const codings = this.entries.get(req.url!);
    if (codings === undefined) return false;
    const entry = codings[preferredCoding(req.headers['accept-encoding']) ?? 'identity'];
    if (entry === undefined || entry.expiresAt <= this.now()) return false;
    const start = performance.now();
    const id = this.options.requestId(req);
    const fresh = notModified(req.headers['if-none-match'], entry.etag);
    const status = fresh ? 304 : 200;
    const headers = fresh ? entry.notModified : entry.ok;
    // writeHead copies the list into the response head at once, so the shared list can carry
    // this answer's id in its last slot.
    headers[headers.length - 1] = id;
    res.writeHead(status, headers);
    if (fresh) res.end();
    else res.end(entry.body);
    const seconds = (performance.now() - start) / 1000;
    (fresh ? entry.notModifiedDurations : entry.okDurations)?.observe(seconds);
    if (this.log?.isLevelEnabled?.('info')) {
      this.log.info(
        {
          reqId: id,
          req: { method: 'GET', url: req.url },
          res: { statusCode: status },
          responseTime: seconds * 1000,
          frontCache: true,
        },
        'request completed',
      );
    }
    return true;
  }
}
