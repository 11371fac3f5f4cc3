import { z } from 'zod';
import { parseEnv } from '@shanhai/domain';

export const DEFAULT_MAIL_FROM = '山海集市 Shanhai Market <noreply@shanhai.localhost>';
export const DEFAULT_APP_URL = 'http://localhost:3000';
export const DEFAULT_EMAIL_CONCURRENCY = 16;

/** The only place in the worker that reads process.env. */
export const WorkerEnv = z.object({
  DATABASE_URL: z.url(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
  REDIS_URL: z.url(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .default('shanhai'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** `/healthz` and `/metrics` (0: any free port, as in tests). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  /** The mail server notifications and account links go to; without it nothing is emailed. */
  SMTP_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).default(DEFAULT_MAIL_FROM),
  /** Where the web app is reached: the links in emails point there. */
  APP_URL: z.url().default(DEFAULT_APP_URL),
  EMAIL_CONCURRENCY: z.coerce.number().int().min(1).default(DEFAULT_EMAIL_CONCURRENCY),
  /** The api's Stripe secret key: refunds and cancels of card intents are made from here. */
  STRIPE_SECRET_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** Where Stripe's HTTP API is (default Stripe's own): stripe-mock, or a test's fake at the network boundary. */
  STRIPE_API_BASE: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  /** OTLP/HTTP collector for traces (e.g. http://collector:4318); unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
});

export interface WorkerConfig {
  databaseUrl: string;
  databasePoolMax: number;
  redisUrl: string;
  redisPrefix: string;
  logLevel: string;
  concurrency: number;
  /** Where main.ts serves /healthz and /metrics; the runtime itself (tests) opens no port. */
  healthPort?: number;
  /** Absent: notifications stay in the bell only. */
  smtpUrl?: string | undefined;
  /** Defaults as in the environment table (tests and tools build configs by hand). */
  mailFrom?: string;
  appUrl?: string;
  emailConcurrency?: number;
  /** Absent: no card payments, so no calls to Stripe are recorded and none are made. */
  stripe?: { secretKey: string; apiBase?: string } | undefined;
  /** Where traces go (OTLP/HTTP); main.ts starts tracing only when this is set. */
  otlpEndpoint?: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(WorkerEnv, env, 'worker configuration');
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    logLevel: e.LOG_LEVEL,
    concurrency: e.WORKER_CONCURRENCY,
    healthPort: e.HEALTH_PORT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    appUrl: e.APP_URL.replace(/\/+$/, ''),
    emailConcurrency: e.EMAIL_CONCURRENCY,
    stripe: e.STRIPE_SECRET_KEY
      ? { secretKey: e.STRIPE_SECRET_KEY, ...(e.STRIPE_API_BASE ? { apiBase: e.STRIPE_API_BASE } : {}) }
      : undefined,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
}
