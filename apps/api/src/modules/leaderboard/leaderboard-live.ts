import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { subscriber } from '../../plugins/redis';
import { LRUCache } from 'lru-cache';
import { LEADERBOARD_CHANNEL, LEADERBOARD_VERSION_KEY, LeaderboardChanged } from '@shanhai/domain';
import { compress, type ContentCoding } from '../../lib/http-cache';
import { sseFrame, type SseClient } from '../../lib/sse';

declare module 'fastify' {
  interface FastifyInstance {
    leaderboardLive: LeaderboardLive;
  }
}

/** One encoding of a cached answer. */
export interface Representation {
  body: Buffer;
  /** Strong ETag of exactly these bytes. */
  etag: string;
}

/** A cached answer: the JSON, serialised and UTF-8 encoded once, and its compressed codings. */
class CachedBody {
  readonly identity: Representation;
  private readonly coded = new Map<ContentCoding, Representation | Promise<Representation>>();

  constructor(json: string) {
    const body = Buffer.from(json);
    this.identity = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
  }

  /** The body in `coding`, compressed on first use (then the same object every time). */
  encoded(coding: ContentCoding): Representation | Promise<Representation> {
    let r = this.coded.get(coding);
    if (!r) {
      // The ETag names the coding too: a cache must not answer a gzip request with br bytes.
      const etag = `${this.identity.etag.slice(0, -1)}-${coding}"`;
      const pending = compress(this.identity.body, coding).then((body) => {
        const done = { body, etag };
        this.coded.set(coding, done);
        return done;
      });
      this.coded.set(coding, pending);
      // A failed compression is not kept: the next request tries again.
      pending.catch(() => this.coded.get(coding) === pending && this.coded.delete(coding));
      r = pending;
    }
    return r;
  }
}

interface LeaderboardLive {
  /** The cached answer for `key` if it is built and fresh: the hot path, without a promise. */
  peek(key: string): CachedBody | undefined;
  /** The cached answer for `key`, built once per change (concurrent misses share one build). */
  cached(key: string, build: () => Promise<unknown>): Promise<CachedBody>;
  /** Drops this replica's cache (the pub/sub message does it on every replica). */
  invalidate(): void;
  /** Tells every replica (and its SSE clients) that the board changed outside the tally worker (targets, pairings). */
  announce(): Promise<void>;
  /** Greets a new event stream: `hello` with the board's version, or `changed` if it missed some. */
  addClient(client: SseClient, lastEventId: number | null): Promise<void>;
}

/** Even a missed pub/sub message (Redis briefly away) only leaves the cache this stale. */
const CACHE_TTL_MS = 30_000;
/**
 * Keys are (year, by, asOf): a wall screen asks for today, the office pages for a few past days.
 * Past days are dropped on every change like today: an approved offline record or an import can
 * carry an earlier business date, and targets and pairings change past answers too. Beyond this
 * many keys (a crawler walking the dates) the least recently asked goes; a board is ≈ 12 KB.
 */
export const MAX_CACHE_ENTRIES = 500;

/**
 * The live leaderboard on one api replica: an in-process cache of serialised answers, dropped when
 * the tally worker publishes "changed", and the message relayed to every event stream of the
 * replica (one frame, the same bytes for all; lib/sse).
 */
export default fp<{ prefix: string }>(
  async (app, opts) => {
    const channel = `${opts.prefix}:${LEADERBOARD_CHANNEL}`;
    const versionKey = `${opts.prefix}:${LEADERBOARD_VERSION_KEY}`;
    // `ready` is set once the build is done: the hot path reads it without awaiting a promise.
    const cache = new LRUCache<string, { value: Promise<CachedBody>; ready?: CachedBody }>({
      max: MAX_CACHE_ENTRIES,
      ttl: CACHE_TTL_MS,
    });
    let lastVersion = 0;

    /** Drops the cached answers; a build in flight is not kept either (it is no longer in the cache). */
    const drop = () => cache.clear();
    const onChange = (message: LeaderboardChanged) => {
      drop();
      lastVersion = Math.max(lastVersion, message.version);
      app.sse.broadcast(sseFrame('changed', JSON.stringify(message), message.version));
    };

    // Subscriber: its own connection (subscribe mode), retrying forever and resubscribing itself.
    const listener = subscriber(app, channel, 'leaderboard', (raw) => {
      const parsed = LeaderboardChanged.safeParse(JSON.parse(raw));
      if (parsed.success) onChange(parsed.data);
    });

    const live: LeaderboardLive = {
      peek(key) {
        return cache.get(key)?.ready;
      },
      cached(key, build) {
        const hit = cache.get(key);
        if (hit) return hit.value;
        const entry: { value: Promise<CachedBody>; ready?: CachedBody } = {
          value: build().then((data) => {
            const body = new CachedBody(JSON.stringify(data));
            entry.ready = body;
            return body;
          }),
        };
        cache.set(key, entry);
        // A failed build must not be cached.
        entry.value.catch(() => cache.peek(key) === entry && cache.delete(key));
        return entry.value;
      },
      invalidate: drop,
      async announce() {
        drop();
        try {
          const version = await app.redis.incr(versionKey);
          await app.redis.publish(channel, JSON.stringify({ version, townIds: [], at: new Date().toISOString() }));
        } catch (err) {
          app.log.warn({ err: (err as Error).message }, 'could not announce a leaderboard change');
        }
      },
      async addClient(client, lastEventId) {
        let current = lastVersion;
        try {
          current = Math.max(current, Number((await app.redis.get(versionKey)) ?? 0));
        } catch {
          // Without Redis the client still gets heartbeats; it catches up when messages resume.
        }
        lastVersion = current;
        // A reconnecting client that missed changes hears about them at once.
        if (lastEventId !== null && current > lastEventId)
          client.send(
            sseFrame(
              'changed',
              JSON.stringify({ version: current, townIds: [], at: new Date().toISOString() }),
              current,
            ),
          );
        else client.send(sseFrame('hello', JSON.stringify({ version: current }), current));
      },
    };
    app.decorate('leaderboardLive', live);
    app.addHook('onClose', async () => {
      listener.disconnect();
    });
  },
  { name: 'leaderboard-live', dependencies: ['redis', 'sse'] },
);
