import type Stripe from 'stripe';
import type { ApiConfig } from '../env';

/**
 * A Stripe client for the configured keys, or null when card payments are off. The SDK is loaded
 * only then: it is one of the biggest packages a cold start would otherwise read.
 */
export async function stripeClient(config: ApiConfig): Promise<Stripe | null> {
  if (!config.stripe) return null;
  const { default: Stripe } = await import('stripe');
  const base = config.stripe.apiBase ? new URL(config.stripe.apiBase) : null;
  return new Stripe(config.stripe.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? { host: base.hostname, port: Number(base.port), protocol: base.protocol.replace(':', '') as 'http' | 'https' }
      : {}),
  });
}
