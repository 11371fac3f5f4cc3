import { z } from 'zod';

/**
 * The api ↔ worker contract: queue names and job payloads. Payloads carry ids only, never
 * secrets or personal data (invariant 7).
 */
export const QUEUES = {
  housekeeping: 'housekeeping',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const HousekeepingJob = z.strictObject({
  task: z.enum(['purge-expired-refresh-tokens']),
});
export type HousekeepingJob = z.infer<typeof HousekeepingJob>;
