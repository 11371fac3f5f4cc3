/**
 * The worker's logger: pino, as the api's (Fastify's) is, so that both write the same JSON lines:
 * level (a number), time (epoch ms), pid, hostname, name (`worker` here, `api` there), msg, then
 * the line's own fields.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination`: where the lines go (stdout unless told; tests pass a stream). */
export function createLogger(level: string, name = 'worker', destination?: DestinationStream): Logger {
  return destination ? pino({ level, name }, destination) : pino({ level, name });
}
