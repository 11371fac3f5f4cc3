import { Queue, UnrecoverableError, Worker, type Processor, type Telemetry } from 'bullmq';
import { Redis } from 'ioredis';
import { createDb, processAppName, type DbHandle } from '@shanhai/db';
import { Counter, Registry } from 'prom-client';
import { createTransport, type Transporter } from 'nodemailer';
import { HousekeepingJob, QUEUES, type QueueName } from '@shanhai/domain';
import { DEFAULT_APP_URL, DEFAULT_EMAIL_CONCURRENCY, DEFAULT_MAIL_FROM, type WorkerConfig } from './env';
import { processCampaignReattribution } from './jobs/campaign-reattribution';
import { processEmail, type EmailDeps } from './jobs/email';
import { processHousekeeping } from './jobs/housekeeping';
import { processNotifyDispatch } from './jobs/notify-dispatch';
import { processNotifySchedule } from './jobs/notify-schedule';
import { processPurchaseExpiry } from './jobs/purchase-expiry';
import { processStripeCall, workerStripeClient } from './jobs/stripe-calls';
import { processReconcile, processTally, reconcileMetrics } from './jobs/tally';
import { processAutoAccept } from './jobs/auto-accept';
import { journalReconcileMetrics, processJournalReconcile } from './jobs/journal-reconcile';
import type { Logger } from './log';

export class RedisPolicyError extends Error {}

/**
 * BullMQ loses jobs if Redis evicts keys under memory pressure: refuse to start unless
 * `maxmemory-policy` is `noeviction`.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1];
  if (policy !== 'noeviction') {
    throw new RedisPolicyError(
      `Redis maxmemory-policy is "${policy}"; the worker needs "noeviction" so that queued jobs are never evicted. ` +
        'Set it with `redis-cli CONFIG SET maxmemory-policy noeviction` (and in redis.conf).',
    );
  }
}

/** Connections to the mail server kept open: enough to keep up with a burst, few enough for any relay. */
const SMTP_MAX_CONNECTIONS = 8;

/** A pooled SMTP transport for `SMTP_URL` (smtp:// or smtps://, credentials in the URL). */
export function createMailer(smtpUrl: string): Transporter {
  return createTransport({ url: smtpUrl, pool: true, maxConnections: SMTP_MAX_CONNECTIONS });
}

export interface Runtime {
  workers: Worker[];
  db: DbHandle;
  redis: Redis;
  metrics: Registry;
  /** Stop taking jobs, let active ones finish, then close Redis and the pool. */
  close(): Promise<void>;
}

interface Registration {
  queue: QueueName;
  processor: Processor;
  concurrency?: number;
}

export interface RuntimeOptions {
  /** BullMQ's OpenTelemetry bridge when tracing is on: a job's span joins the trace that enqueued it. */
  telemetry?: Telemetry | undefined;
}

export async function startRuntime(config: WorkerConfig, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const telemetry = options.telemetry ? { telemetry: options.telemetry } : {};
  // Workers block on Redis: BullMQ requires maxRetriesPerRequest null for them.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  await checkEvictionPolicy(redis);
  const db = createDb(config.databaseUrl, {
    max: config.databasePoolMax,
    applicationName: processAppName('shanhai-worker'),
  });
  const prefix = `${config.redisPrefix}:bull`;

  // Publishing must fail fast when Redis is down (the tallies are committed anyway), so it gets
  // its own connection without the workers' retry-forever setting.
  const publisher = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  publisher.on('error', () => undefined);
  await publisher.connect().catch(() => undefined);
  const metrics = new Registry();
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl) : null;
  // Producers fail fast (the publisher's connection): a dispatch with Redis down rolls back and
  // leaves its rows to the next sweep instead of hanging with them locked.
  const emailQueue = mailer ? new Queue(QUEUES.email, { connection: publisher, prefix, ...telemetry }) : null;
  emailQueue?.on('error', (err) => log.warn({ err: err.message }, 'email queue error'));
  if (!mailer) log.warn({}, 'SMTP_URL is not set: notifications stay in the web, nothing is emailed');
  const tallyDeps = {
    db: db.db,
    redis: publisher,
    prefix: config.redisPrefix,
    log,
    metrics: reconcileMetrics(metrics),
  };

  const journalMetrics = journalReconcileMetrics(metrics);
  const registrations: Registration[] = [
    { queue: QUEUES.housekeeping, processor: (job) => processHousekeeping(db.db, job), concurrency: 1 },
    { queue: QUEUES.purchaseExpiry, processor: (job) => processPurchaseExpiry(db.db, job) },
    { queue: QUEUES.autoAccept, processor: (job) => processAutoAccept(db.db, job) },
    { queue: QUEUES.notifySchedule, processor: (job) => processNotifySchedule(db.db, job), concurrency: 1 },
    {
      queue: QUEUES.journalReconcile,
      processor: (job) => processJournalReconcile({ db: db.db, log, metrics: journalMetrics }, job),
      concurrency: 1,
    },
    // Two at once is safe (SKIP LOCKED) and lets a sweep and a commit-triggered job overlap.
    { queue: QUEUES.tally, processor: (job) => processTally(tallyDeps, job), concurrency: 2 },
    { queue: QUEUES.reconcile, processor: (job) => processReconcile(tallyDeps, job), concurrency: 1 },
    {
      queue: QUEUES.campaignReattribution,
      processor: (job) => processCampaignReattribution(tallyDeps, job),
      concurrency: 1,
    },
    // Two at once is safe (SKIP LOCKED) and lets a sweep overlap a commit's kick.
    {
      queue: QUEUES.notifyDispatch,
      processor: (job) =>
        processNotifyDispatch({ db: db.db, publisher, prefix: config.redisPrefix, emailQueue, log }, job),
      concurrency: 2,
    },
  ];
  if (mailer) {
    const emailDeps: EmailDeps = {
      db: db.db,
      mailer,
      from: config.mailFrom ?? DEFAULT_MAIL_FROM,
      appUrl: config.appUrl ?? DEFAULT_APP_URL,
      log,
    };
    registrations.push({
      queue: QUEUES.email,
      processor: (job) => processEmail(emailDeps, job),
      concurrency: config.emailConcurrency ?? DEFAULT_EMAIL_CONCURRENCY,
    });
  }

  if (config.stripe) {
    const stripe = await workerStripeClient(config.stripe);
    registrations.push({
      queue: QUEUES.stripeCalls,
      processor: (job) => processStripeCall({ db: db.db, stripe }, job),
    });
  } else log.warn({}, 'STRIPE_SECRET_KEY is not set: card refunds and intent cancels are not made');

  const failedJobs = new Counter({
    name: 'shanhai_worker_jobs_failed_total',
    help: 'Job attempts that threw, by queue; final="true" when no retry is left (the job stays failed)',
    labelNames: ['queue', 'final'] as const,
    registers: [metrics],
  });
  const workers = registrations.map(({ queue, processor, concurrency }) => {
    const w = new Worker(queue, processor, {
      connection: redis,
      prefix,
      ...telemetry,
      concurrency: concurrency ?? config.concurrency,
    });
    w.on('failed', (job, err) => {
      const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      failedJobs.inc({ queue, final: String(final) });
      log.error({ queue, jobId: job?.id, err: err.message }, 'job failed');
    });
    w.on('error', (err) => log.error({ queue, err: err.message }, 'worker error'));
    return w;
  });

  // Repeatable jobs: upsert is idempotent, so every replica may declare them.
  const housekeeping = new Queue(QUEUES.housekeeping, { connection: redis, prefix });
  for (const task of HousekeepingJob.shape.task.options) {
    await housekeeping.upsertJobScheduler(
      task,
      { pattern: '17 3 * * *', tz: 'Asia/Shanghai' },
      {
        name: task,
        data: { task },
        opts: { removeOnComplete: 100, removeOnFail: 1000 },
      },
    );
  }
  await housekeeping.close();
  // The sweep behind the delayed expiry jobs: a lost job still expires its purchase within this.
  const expiry = new Queue(QUEUES.purchaseExpiry, { connection: redis, prefix });
  await expiry.upsertJobScheduler(
    'expiry-sweep',
    { every: 60_000 },
    { name: 'sweep', data: { sweep: true }, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
  );
  await expiry.close();
  // The daily pass behind the delayed automatic-acceptance jobs (lost jobs, a shortened period).
  const autoAccept = new Queue(QUEUES.autoAccept, { connection: redis, prefix });
  await autoAccept.upsertJobScheduler(
    'auto-accept-sweep',
    { pattern: '41 2 * * *', tz: 'Asia/Shanghai' },
    { name: 'sweep', data: { sweep: true }, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
  );
  await autoAccept.close();
  // Reminders hourly (each looks a day ahead); digests on Monday morning and the month's first day.
  const notifySchedule = new Queue(QUEUES.notifySchedule, { connection: redis, prefix });
  for (const [id, repeat, data] of [
    ['notify-reminders', { pattern: '23 * * * *', tz: 'Asia/Shanghai' }, { task: 'reminders' }],
    ['office-weekly-digest', { pattern: '0 8 * * 1', tz: 'Asia/Shanghai' }, { task: 'office-weekly-digest' }],
    ['buyer-monthly-digest', { pattern: '0 9 1 * *', tz: 'Asia/Shanghai' }, { task: 'buyer-monthly-digest' }],
    // Budget units behind their reserved share's pace at the end of last month.
    ['units-behind-pace', { pattern: '30 9 1 * *', tz: 'Asia/Shanghai' }, { task: 'units-behind-pace' }],
    // The monthly 通报: the unit ranking frozen as of last month's last day.
    ['units-monthly-snapshot', { pattern: '15 9 1 * *', tz: 'Asia/Shanghai' }, { task: 'units-monthly-snapshot' }],
  ] as const)
    await notifySchedule.upsertJobScheduler(id, repeat, {
      name: data.task,
      data,
      opts: { removeOnComplete: 100, removeOnFail: 1000 },
    });
  await notifySchedule.close();
  const journalReconcile = new Queue(QUEUES.journalReconcile, { connection: redis, prefix });
  await journalReconcile.upsertJobScheduler(
    'journal-reconcile-hourly',
    { pattern: '37 * * * *', tz: 'Asia/Shanghai' },
    { name: 'hourly', data: { trigger: 'hourly' }, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
  );
  await journalReconcile.close();
  // The sweep behind the re-attribution jobs (and the reconcile's requests, which enqueue none).
  const reattribution = new Queue(QUEUES.campaignReattribution, { connection: redis, prefix });
  await reattribution.upsertJobScheduler(
    'reattribution-sweep',
    { every: REATTRIBUTION_SWEEP_MS },
    { name: 'sweep', data: { sweep: true }, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
  );
  await reattribution.close();
  if (config.stripe) {
    // The sweep behind the stripe-call jobs: a lost job (or one out of retries) is made within this.
    const stripeCalls = new Queue(QUEUES.stripeCalls, { connection: redis, prefix });
    await stripeCalls.upsertJobScheduler(
      'stripe-calls-sweep',
      { every: STRIPE_CALL_SWEEP_MS },
      { name: 'sweep', data: { sweep: true }, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
    );
    await stripeCalls.close();
  }
  await declareTallySchedulers(redis, prefix);
  // Re-declared now and then: if Redis lost its data (a flush, a failover without persistence),
  // the sweep comes back on its own within a minute.
  const redeclare = setInterval(() => {
    declareTallySchedulers(redis, prefix).catch((err: unknown) =>
      log.warn({ err: String(err) }, 'could not re-declare the tally schedulers'),
    );
  }, SCHEDULER_REDECLARE_MS);
  redeclare.unref();

  return {
    workers,
    db,
    redis,
    metrics,
    async close() {
      clearInterval(redeclare);
      await Promise.all(workers.map((w) => w.close()));
      await emailQueue?.close().catch(() => undefined);
      mailer?.close();
      publisher.disconnect();
      await db.close();
      redis.disconnect();
    },
  };
}

/** Rows left untallied (a commit while Redis was down, a dropped duplicate) wait at most this long. */
export const TALLY_SWEEP_MS = 2_000;
/** Notifications committed while Redis was down (or whose kick was dropped) wait at most this long. */
export const NOTIFY_SWEEP_MS = 1_000;
const SCHEDULER_REDECLARE_MS = 60_000;
/** A recorded call to Stripe whose job was lost is made within this (plus its age threshold). */
export const STRIPE_CALL_SWEEP_MS = 60_000;
/** A campaign edit whose job was lost is re-attributed within this. */
export const REATTRIBUTION_SWEEP_MS = 30_000;

async function declareTallySchedulers(redis: Redis, prefix: string): Promise<void> {
  const tally = new Queue(QUEUES.tally, { connection: redis, prefix });
  await tally.upsertJobScheduler(
    'tally-sweep',
    { every: TALLY_SWEEP_MS },
    {
      name: 'sweep',
      data: { reason: 'sweep' },
      opts: { removeOnComplete: 10, removeOnFail: 100 },
    },
  );
  await tally.close();
  const dispatch = new Queue(QUEUES.notifyDispatch, { connection: redis, prefix });
  await dispatch.upsertJobScheduler(
    'notify-sweep',
    { every: NOTIFY_SWEEP_MS },
    { name: 'sweep', data: { reason: 'sweep' }, opts: { removeOnComplete: 10, removeOnFail: 100 } },
  );
  await dispatch.close();
  const reconcile = new Queue(QUEUES.reconcile, { connection: redis, prefix });
  await reconcile.upsertJobScheduler(
    'reconcile-hourly',
    { pattern: '7 * * * *', tz: 'Asia/Shanghai' },
    {
      name: 'hourly',
      data: { trigger: 'hourly' },
      opts: { removeOnComplete: 50, removeOnFail: 100 },
    },
  );
  await reconcile.close();
}
