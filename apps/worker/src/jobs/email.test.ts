/**
 * An email job of several notifications, against real PostgreSQL and a real SMTP server
 * (`smtp-server`): each email once, run twice sends nothing more, and a refused recipient is
 * retried alone while the others stay sent.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { eq, inArray } from 'drizzle-orm';
import { createTransport, type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createDb, notify, schema, type DbHandle } from '@shanhai/db';
import { createOrgWithUser, createUser, type TestDatabase } from '@shanhai/db/testing';
import { testWorkerConfig } from '../../test-support/testing';
import type { WorkerConfig } from '../env';
import { createLogger } from '../log';
import { processEmail, type EmailDeps } from './email';
import { EMAIL_JOB_OPTIONS, emailJobs, processNotifyDispatch } from './notify-dispatch';

let database: TestDatabase;
let config: WorkerConfig;
let handle: DbHandle;
let server: SMTPServer;
let mailer: Transporter;
let deps: EmailDeps;
/** Recipients of the messages the server accepted, in order. */
const accepted: string[] = [];
/** Recipients the server refuses (550) while they are in here. */
const refused = new Set<string>();

beforeAll(async () => {
  ({ database, config } = await testWorkerConfig('empty'));
  handle = createDb(database.url, { max: 4 });
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address))
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) accepted.push(r.address);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  mailer = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true });
  deps = {
    db: handle.db,
    mailer,
    from: 'Shanhai Test <noreply@shanhai.test>',
    appUrl: 'http://shanhai.test',
    log: createLogger('silent'),
  };
});
afterAll(async () => {
  mailer?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await handle.close();
  await database.drop();
});

/** One notification to each of an org's three people; their ids and addresses. */
async function threeNotified(ref: string) {
  const { org, user } = await createOrgWithUser(handle.db, { kind: 'buyer' });
  const others = [
    await createUser(handle.db, { orgId: org.id, role: 'manager' }),
    await createUser(handle.db, { orgId: org.id, role: 'member' }),
  ];
  await notify(handle.db, {
    kind: 'purchase.expired',
    orgId: org.id,
    subject: { type: 'purchase', id: ref },
    link: `/purchases/${ref}`,
    params: { ref },
  });
  const rows = await handle.db
    .select({ id: schema.notifications.id, to: schema.users.email })
    .from(schema.notifications)
    .innerJoin(schema.users, eq(schema.users.id, schema.notifications.userId))
    .where(eq(schema.notifications.orgId, org.id));
  expect(rows.map((r) => r.to).sort()).toEqual([user.email, ...others.map((o) => o.email)].sort());
  return rows;
}

const job = (data: unknown, attemptsMade = 0) => ({
  id: 'job-1',
  data,
  attemptsMade,
  opts: { attempts: EMAIL_JOB_OPTIONS.attempts },
});

const statuses = async (ids: string[]) =>
  Object.fromEntries(
    (
      await handle.db
        .select({
          id: schema.notifications.id,
          status: schema.notifications.emailStatus,
          attempts: schema.notifications.emailAttempts,
          error: schema.notifications.emailError,
        })
        .from(schema.notifications)
        .where(inArray(schema.notifications.id, ids))
    ).map(({ id, ...rest }) => [id, rest]),
  );

describe('an email job of several notifications', () => {
  it('a dispatch groups notifications by at most 25 a job and keeps one job per account link', () => {
    const ids = Array.from({ length: 27 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const jobs = emailJobs({
      notifications: ids.map((id, i) => ({ id, userId: id, email: i !== 3 })),
      accountTokens: [{ id: ids[0]! }],
    });
    expect(jobs).toEqual([
      { notificationIds: ids.filter((_, i) => i !== 3).slice(0, 25) },
      { notificationIds: ids.filter((_, i) => i !== 3).slice(25) },
      { accountTokenId: ids[0] },
    ]);
  });

  it('sends each email once; the same job again sends nothing', async () => {
    const rows = await threeNotified('BATCH-1');
    const ids = rows.map((r) => r.id);
    const before = accepted.length;
    expect(await processEmail(deps, job({ notificationIds: ids }))).toEqual({ sent: true });
    expect(accepted.slice(before).sort()).toEqual(rows.map((r) => r.to).sort());
    expect(await processEmail(deps, job({ notificationIds: ids }))).toEqual({ sent: false });
    expect(accepted.length).toBe(before + 3);
    const s = await statuses(ids);
    for (const id of ids) expect(s[id]).toEqual({ status: 'sent', attempts: 1, error: null });
  });

  it('a job of one notification id, the shape queued before the batching, sends it once', async () => {
    const [one] = await threeNotified('SINGLE-1');
    const before = accepted.length;
    expect(await processEmail(deps, job({ notificationId: one!.id }))).toEqual({ sent: true });
    expect(accepted.slice(before)).toEqual([one!.to]);
    expect(await processEmail(deps, job({ notificationId: one!.id }))).toEqual({ sent: false });
    expect(accepted.length).toBe(before + 1);
    expect((await statuses([one!.id]))[one!.id]).toEqual({ status: 'sent', attempts: 1, error: null });
  });

  it('a refused recipient fails the job alone: the retry sends only its email, the last try records it failed', async () => {
    const rows = await threeNotified('BATCH-2');
    const ids = rows.map((r) => r.id);
    const [bad, ...good] = rows;
    refused.add(bad!.to);
    const before = accepted.length;
    await expect(processEmail(deps, job({ notificationIds: ids }))).rejects.toThrow(/mailbox unavailable/);
    expect(accepted.slice(before).sort()).toEqual(good.map((r) => r.to).sort());
    let s = await statuses(ids);
    for (const g of good) expect(s[g.id]).toEqual({ status: 'sent', attempts: 1, error: null });
    expect(s[bad!.id]!.status).toBe('pending');
    expect(s[bad!.id]!.attempts).toBe(1);
    expect(s[bad!.id]!.error).toMatch(/550/);

    // The last try, still refused: failed for good; the others are not sent again.
    await expect(processEmail(deps, job({ notificationIds: ids }, EMAIL_JOB_OPTIONS.attempts - 1))).rejects.toThrow(
      /mailbox unavailable/,
    );
    s = await statuses(ids);
    expect(s[bad!.id]!.status).toBe('failed');
    expect(s[bad!.id]!.attempts).toBe(2);
    expect(accepted.length).toBe(before + 2);
  });

  it('a retry after the server is back sends the email it could not', async () => {
    const rows = await threeNotified('BATCH-3');
    const ids = rows.map((r) => r.id);
    refused.add(rows[1]!.to);
    const before = accepted.length;
    await expect(processEmail(deps, job({ notificationIds: ids }))).rejects.toThrow();
    refused.delete(rows[1]!.to);
    expect(await processEmail(deps, job({ notificationIds: ids }, 1))).toEqual({ sent: true });
    expect(accepted.slice(before).sort()).toEqual(rows.map((r) => r.to).sort());
    const s = await statuses(ids);
    expect(s[rows[1]!.id]).toEqual({ status: 'sent', attempts: 2, error: null });
  });

  it('a malformed job (no ids, or more than 25) fails for good', async () => {
    await expect(processEmail(deps, job({ notificationIds: [] }))).rejects.toBeInstanceOf(UnrecoverableError);
    const many = Array.from({ length: 26 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    await expect(processEmail(deps, job({ notificationIds: many }))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('the dispatcher’s email jobs', () => {
  it('are queued with eight tries and exponential backoff from 5 s, one job per batch of notifications', async () => {
    const rows = await threeNotified('BACKOFF');
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('email', { connection, prefix: config.redisPrefix });
    try {
      await processNotifyDispatch(
        { db: handle.db, publisher: connection, prefix: config.redisPrefix, emailQueue: queue, log: deps.log },
        { id: 'd', data: { reason: 'manual' } },
      );
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      const mine = jobs.filter((j) =>
        rows.every((r) => (j.data as { notificationIds?: string[] }).notificationIds?.includes(r.id)),
      );
      expect(mine).toHaveLength(1);
      expect(mine[0]!.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay: 5_000 } });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });

  it('a dispatch hands on every committed row, batch after batch, until a batch comes back short', async () => {
    const rows = [...(await threeNotified('BATCH-1')), ...(await threeNotified('BATCH-2'))];
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('email', { connection, prefix: config.redisPrefix });
    try {
      const deps2 = {
        db: handle.db,
        publisher: connection,
        prefix: config.redisPrefix,
        emailQueue: queue,
        log: deps.log,
      };
      // Batches of 2: a full batch looks again, so one dispatch hands on all six (and any older row).
      const out = await processNotifyDispatch({ ...deps2, batchSize: 2 }, { id: 'd2', data: { reason: 'manual' } });
      expect(out.dispatched).toBeGreaterThanOrEqual(6);
      const undispatched = await handle.db
        .select({ id: schema.notifications.id, at: schema.notifications.dispatchedAt })
        .from(schema.notifications)
        .where(
          inArray(
            schema.notifications.id,
            rows.map((r) => r.id),
          ),
        );
      expect(undispatched.filter((r) => r.at === null)).toEqual([]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});
