import { z } from 'zod';
import { parseEnv } from '@shanhai/domain';

/**
 * `https://ACCESS_KEY:SECRET@endpoint/bucket[/key-prefix]?region=…&path_style=true`, e.g.
 * `https://AK:SK@oss-cn-guangzhou.aliyuncs.com/shanhai-files?region=oss-cn-guangzhou` or a MinIO's
 * `http://AK:SK@minio:9000/shanhai?path_style=true`. Key and secret are URL-encoded.
 */
export interface S3Location {
  endpoint: string;
  bucket: string;
  /** Prepended to every object key (no leading slash; empty or ending in `/`). */
  keyPrefix: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `host/bucket/key` addressing (MinIO and most self-hosted stores) instead of `bucket.host/key`. */
  forcePathStyle: boolean;
}

export function parseS3Url(raw: string): S3Location {
  const u = new URL(raw);
  const [bucket = '', ...rest] = u.pathname.split('/').filter(Boolean);
  const prefix = rest.join('/');
  return {
    endpoint: `${u.protocol}//${u.host}`,
    bucket,
    keyPrefix: prefix ? `${prefix}/` : '',
    region: u.searchParams.get('region') ?? 'us-east-1',
    accessKeyId: decodeURIComponent(u.username),
    secretAccessKey: decodeURIComponent(u.password),
    forcePathStyle: u.searchParams.get('path_style') === 'true',
  };
}

/** Unset or empty (compose passes `${S3_URL:-}` as ""): files stay in PostgreSQL. */
const S3Url = z
  .string()
  .optional()
  .refine(
    (v) => {
      if (!v) return true;
      try {
        const l = parseS3Url(v);
        return /^https?:$/.test(new URL(v).protocol) && Boolean(l.bucket && l.accessKeyId && l.secretAccessKey);
      } catch {
        return false;
      }
    },
    { message: 'must look like https://ACCESS_KEY:SECRET@endpoint/bucket[/prefix][?region=…&path_style=true]' },
  );

/** The only place in the api that reads process.env. */
export const ApiEnv = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    DATABASE_URL: z.url(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(20),
    REDIS_URL: z.url(),
    /** Prefix of every Redis key and channel, so several deployments (or test files) can share a Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/)
      .default('shanhai'),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
    WEB_DIST: z.string().optional(),
    /** Where uploaded files' bytes go instead of PostgreSQL: any S3-compatible store (see parseS3Url). */
    S3_URL: S3Url,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z.enum(['true', 'false']).default('false'),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    /** Given to the web's Stripe.js; card payment is offered only when all three Stripe keys are set. */
    STRIPE_PUBLISHABLE_KEY: z.string().optional(),
    /** Where Stripe's HTTP API is (default Stripe's own): stripe-mock, or a test's fake at the network boundary. */
    STRIPE_API_BASE: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    /** Unpaid purchases expire after this long: bank transfer (hours) and card (minutes). */
    PURCHASE_EXPIRY_TRANSFER_HOURS: z.coerce.number().positive().default(72),
    PURCHASE_EXPIRY_CARD_MINUTES: z.coerce.number().positive().default(30),
    /** The platform's collection account shown for bank transfers (对公转账). */
    BANK_ACCOUNT_NAME: z.string().default('广清对口帮扶消费平台（演示）'),
    BANK_NAME: z.string().default('中国工商银行广州分行（演示）'),
    BANK_ACCOUNT_NO: z.string().default('3602 0000 0000 0000 000'),
    LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    LOGIN_MAX_PER_IP: z.coerce.number().int().min(1).default(100),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
    PUBLIC_QUERY_MAX_PER_MINUTE: z.coerce.number().int().min(1).default(300),
    /** OTLP/HTTP collector for traces (e.g. http://collector:4318); unset: no tracing at all. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    /** Bearer token a Prometheus scraper sends for /metrics; unset: /metrics is not served. */
    METRICS_TOKEN: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
    ),
  })
  .superRefine((e, ctx) => {
    // Card payment needs all three Stripe keys; some but not all is a mistake, not "no card".
    const keys = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_PUBLISHABLE_KEY'] as const;
    const set = keys.filter((k) => e[k]);
    if (set.length > 0 && set.length < keys.length) {
      for (const k of keys.filter((k) => !e[k]))
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `is required when ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set (card payment needs all three Stripe keys)`,
        });
    }
  });

/** The one-shot migration step (`node dist/migrate.js`) needs the database only. */
export const MigrateEnv = z.object({ DATABASE_URL: z.url() });

/** `node dist/import-uploads.js <dir>`: where files go, as for the api. */
export const ImportUploadsEnv = z.object({ DATABASE_URL: z.url(), S3_URL: S3Url });

export function loadImportUploadsConfig(env: NodeJS.ProcessEnv = process.env): {
  databaseUrl: string;
  s3: S3Location | undefined;
} {
  const e = parseEnv(ImportUploadsEnv, env, 'configuration');
  return { databaseUrl: e.DATABASE_URL, s3: e.S3_URL ? parseS3Url(e.S3_URL) : undefined };
}

export function loadMigrateConfig(env: NodeJS.ProcessEnv = process.env): { databaseUrl: string } {
  const parsed = MigrateEnv.safeParse(env);
  if (!parsed.success)
    throw new Error(`Invalid migration configuration:\n  DATABASE_URL: ${parsed.error.issues[0]?.message}`);
  return { databaseUrl: parsed.data.DATABASE_URL };
}

export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolMax: number;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  /** Built web app to serve at /; none in api-only deployments and most tests. */
  webDist?: string | undefined;
  /** Uploaded files' bytes: in PostgreSQL unless an S3-compatible store is configured. */
  s3?: S3Location | undefined;
  logLevel: string;
  trustProxy: boolean;
  /** Card payments; absent unless the secret, webhook and publishable keys are all set. */
  stripe?: { secretKey: string; webhookSecret: string; publishableKey: string; apiBase?: string } | undefined;
  loginLimits: { perAccount: number; perIp: number; windowMs: number };
  /** Per IP: public reads whose query can be varied to miss the caches (a past board, a search). */
  publicQueryLimit: { max: number; windowMs: number };
  /** Unpaid purchase lifetimes in ms; defaults 72 h (transfer) and 30 min (card). */
  purchaseExpiry?: { transferMs: number; cardMs: number };
  bankAccount?: { name: string; bank: string; account: string };
  /** The bearer token /metrics asks for; without one, /metrics is not served at all. */
  metricsToken?: string | undefined;
  /** Where traces go (OTLP/HTTP); server.ts starts tracing only when this is set. */
  otlpEndpoint?: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parseEnv(ApiEnv, env, 'api configuration');
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET,
    webDist: e.WEB_DIST,
    s3: e.S3_URL ? parseS3Url(e.S3_URL) : undefined,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY === 'true',
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET && e.STRIPE_PUBLISHABLE_KEY
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            publishableKey: e.STRIPE_PUBLISHABLE_KEY,
            ...(e.STRIPE_API_BASE ? { apiBase: e.STRIPE_API_BASE } : {}),
          }
        : undefined,
    purchaseExpiry: {
      transferMs: e.PURCHASE_EXPIRY_TRANSFER_HOURS * 3600_000,
      cardMs: e.PURCHASE_EXPIRY_CARD_MINUTES * 60_000,
    },
    bankAccount: { name: e.BANK_ACCOUNT_NAME, bank: e.BANK_NAME, account: e.BANK_ACCOUNT_NO },
    publicQueryLimit: { max: e.PUBLIC_QUERY_MAX_PER_MINUTE, windowMs: 60_000 },
    metricsToken: e.METRICS_TOKEN,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    loginLimits: {
      perAccount: e.LOGIN_MAX_PER_ACCOUNT,
      perIp: e.LOGIN_MAX_PER_IP,
      windowMs: e.LOGIN_WINDOW_SECONDS * 1000,
    },
  };
}
