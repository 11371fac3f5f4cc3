import type { FastifyInstance, FastifyReply } from 'fastify';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { HttpProblem } from './problem';

export interface FailureLimit {
  /** Counter name, e.g. `login-ip`; the key is `<name>:<subject>`. */
  name: string;
  max: number;
  windowMs: number;
}

/**
 * Limits that count failures only (rate-limiter-flexible's login-protection pattern): `check`
 * refuses with 429 once a subject has failed `max` times in the window, `fail` counts a failure,
 * `succeed` clears the given counters. So a busy office that logs in all day never locks itself
 * out, while guessing does. Counters live in Redis, shared by every replica; without Redis,
 * attempts pass unlimited (as for the other rate limits) rather than taking logins down.
 */
export function failureLimits(app: FastifyInstance, list: FailureLimit[]) {
  const limiters = new Map(
    list.map((l) => [
      l.name,
      new RateLimiterRedis({
        storeClient: app.redis,
        keyPrefix: app.redisKey(`rl-fail:${l.name}`),
        points: l.max,
        duration: Math.max(1, Math.ceil(l.windowMs / 1000)),
      }),
    ]),
  );
  const each = async (
    subjects: Record<string, string>,
    fn: (limiter: RateLimiterRedis, key: string) => Promise<void>,
  ) => {
    for (const [name, key] of Object.entries(subjects)) {
      const limiter = limiters.get(name);
      if (!limiter) throw new Error(`unknown failure limit ${name}`);
      try {
        await fn(limiter, key);
      } catch (err) {
        if (err instanceof HttpProblem) throw err;
        app.log.warn({ err: (err as Error).message }, 'failure limit skipped: redis unavailable');
      }
    }
  };
  return {
    async check(reply: FastifyReply, subjects: Record<string, string>) {
      await each(subjects, async (limiter, key) => {
        const res = await limiter.get(key);
        if (res && res.consumedPoints >= limiter.points) {
          const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
          reply.header('retry-after', String(seconds));
          throw new HttpProblem(429, 'rate_limited', `Too many attempts; try again in ${seconds} s`);
        }
      });
    },
    async fail(subjects: Record<string, string>) {
      await each(subjects, async (limiter, key) => {
        await limiter.penalty(key, 1);
      });
    },
    async succeed(subjects: Record<string, string>) {
      await each(subjects, async (limiter, key) => {
        await limiter.delete(key);
      });
    },
  };
}
