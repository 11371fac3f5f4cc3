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
