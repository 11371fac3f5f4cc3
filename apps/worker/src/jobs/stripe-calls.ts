import { UnrecoverableError, type Job } from 'bullmq';
import { performStripeCall, sweepStripeCalls, type Db, type StripeCaller } from '@shanhai/db';
import { StripeCallJob } from '@shanhai/domain';
import type { WorkerConfig } from '../env';

/**
 * A Stripe client for the worker's key. Same settings as the api's (the SDK's own network
 * retries, a 20 s timeout); `apiBase` points it elsewhere (tests fake Stripe's HTTP API).
 */
export async function workerStripeClient(stripe: NonNullable<WorkerConfig['stripe']>): Promise<StripeCaller> {
  const { default: Stripe } = await import('stripe');
  const base = stripe.apiBase ? new URL(stripe.apiBase) : null;
  return new Stripe(stripe.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? { host: base.hostname, port: Number(base.port), protocol: base.protocol.replace(':', '') as 'http' | 'https' }
      : {}),
  });
}

/**
 * Makes the calls to Stripe that events recorded (refunds, cancels of intents no longer owed),
 * after their commits. A job names one call; a failure to reach Stripe throws, so BullMQ retries
 * it (same recorded idempotency key, so Stripe answers a repeat with the first result). The
 * periodic sweep makes every call left pending (a lost job, retries used up).
 */
export async function processStripeCall(
  deps: { db: Db; stripe: StripeCaller },
  job: Pick<Job, 'data' | 'id'>,
): Promise<{ outcome: string } | { succeeded: number; failed: number; retry: number }> {
  const parsed = StripeCallJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed stripe-call job ${job.id}: ${parsed.error.message}`);
  if ('stripeCallId' in parsed.data)
    return { outcome: await performStripeCall(deps.db, deps.stripe, parsed.data.stripeCallId) };
  return sweepStripeCalls(deps.db, deps.stripe);
}
