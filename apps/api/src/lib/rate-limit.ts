import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem';

export interface Limit {
  max: number;
  windowMs: number;
  /** Counter key for this request, e.g. `login-ip:1.2.3.4`. */
  key(request: FastifyRequest): string;
}

/**
 * A preHandler enforcing several limits at once (per IP and per account, say) with the Redis
 * store of @fastify/rate-limit. Its own per-route handler runs only once per request, so two
 * limits on one route need this. Past any limit: 429 with `retry-after`.
 */
export function limits(app: FastifyInstance, list: Limit[]) {
  const checks = list.map((l) => app.createRateLimit({ max: l.max, timeWindow: l.windowMs, keyGenerator: l.key }));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    for (const check of checks) {
      const r = await check(request);
      if (!r.isAllowed && r.isExceeded) {
        reply.header('retry-after', String(r.ttlInSeconds));
        throw new HttpProblem(429, 'rate_limited', `Too many attempts; try again in ${r.ttlInSeconds} s`);
      }
    }
  };
}

/**
 * Route config for a public read that a client can vary to miss every cache (a past `asOf`, a
 * search): such requests get a per-IP budget per route in Redis; the cacheable default answer is never
 * limited, so wall screens behind one address keep working.
 */
export function variedQueryLimit(
  limit: { max: number; windowMs: number },
  varies: (request: FastifyRequest) => boolean,
) {
  return {
    rateLimit: {
      max: limit.max,
      timeWindow: limit.windowMs,
      keyGenerator: (request: FastifyRequest) => `public-query:${request.ip}`,
      allowList: (request: FastifyRequest) => !varies(request),
      // No x-ratelimit-* headers on answers that pass: a cached board's answer stays the same bytes
      // and headers whoever asks; a refused one still says when to retry.
      addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
      addHeaders: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
        'retry-after': true,
      },
    },
  };
}
