import { describe, expect, it } from 'vitest';
import { loadConfig } from './env';

const base = {
  DATABASE_URL: 'postgres://localhost/x',
  REDIS_URL: 'redis://localhost:6379',
  JWT_SECRET: 'x'.repeat(32),
};

describe('api configuration', () => {
  it('offers card only with all three Stripe keys, and says which is missing when some are set', () => {
    expect(loadConfig(base).stripe).toBeUndefined();
    expect(
      loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh', STRIPE_PUBLISHABLE_KEY: 'pk' })
        .stripe,
    ).toEqual({ secretKey: 'sk', webhookSecret: 'wh', publishableKey: 'pk' });
    expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh' })).toThrow(
      /STRIPE_PUBLISHABLE_KEY: is required when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set/,
    );
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: 'short', PORT: 'x' })).toThrow(
      /PORT: [\s\S]*JWT_SECRET: JWT_SECRET must be at least 32 characters/,
    );
  });
});
