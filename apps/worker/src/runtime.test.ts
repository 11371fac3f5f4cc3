import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { schema } from '@shanhai/db';
import { createOrgWithUser } from '@shanhai/db/testing';
import { startRedis } from '@shanhai/devstack';
import { QUEUES } from '@shanhai/domain';
import { createLogger } from './log';
import { RedisPolicyError, startRuntime } from './runtime';
import { testWorkerConfig } from '../test-support/testing';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('worker runtime', () => {
  it('refuses to start when Redis may evict keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shanhai-redis-'));
    const redis = await startRedis({ dir, persistent: false });
    cleanups.push(async () => {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    admin.disconnect();
    const { config, database } = await testWorkerConfig('empty');
    cleanups.push(() => database.drop());
    await expect(startRuntime({ ...config, redisUrl: redis.url }, createLogger('silent'))).rejects.toThrow(
      RedisPolicyError,
    );
    await expect(startRuntime({ ...config, redisUrl: redis.url }, createLogger('silent'))).rejects.toThrow(
      /noeviction/,
    );
  });

  it('processes a job enqueued through real Redis, and schedules the daily housekeeping', async () => {
    const { config, database } = await testWorkerConfig('empty');
    cleanups.push(() => database.drop());
    const runtime = await startRuntime(config, createLogger('silent'));
    cleanups.push(() => runtime.close());
    const { user } = await createOrgWithUser(runtime.db.db, { kind: 'buyer' });
    await runtime.db.db.insert(schema.refreshTokens).values({
      userId: user.id,
      familyId: crypto.randomUUID(),
      tokenHash: 'stale',
      expiresAt: new Date(Date.now() - 3 * 24 * 3600 * 1000),
    });

    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const prefix = `${config.redisPrefix}:bull`;
    const queue = new Queue(QUEUES.housekeeping, { connection, prefix });
    const events = new QueueEvents(QUEUES.housekeeping, { connection: connection.duplicate(), prefix });
    cleanups.push(async () => {
      await events.close();
      await queue.close();
      connection.disconnect();
    });
    await events.waitUntilReady();
    const job = await queue.add('purge-expired-refresh-tokens', { task: 'purge-expired-refresh-tokens' });
    expect(await job.waitUntilFinished(events, 10_000)).toEqual({ deleted: 1 });
    expect(await runtime.db.db.$count(schema.refreshTokens)).toBe(0);

    const schedulers = await queue.getJobSchedulers();
    expect(
      schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz })).sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { key: 'purge-expired-idempotency-keys', pattern: '17 3 * * *', tz: 'Asia/Shanghai' },
      { key: 'purge-expired-refresh-tokens', pattern: '17 3 * * *', tz: 'Asia/Shanghai' },
    ]);

    // The reminders and digests are scheduled too.
    const notifySchedule = new Queue(QUEUES.notifySchedule, { connection, prefix });
    cleanups.push(() => notifySchedule.close());
    expect(
      (await notifySchedule.getJobSchedulers())
        .map((s) => ({ key: s.key, pattern: s.pattern }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { key: 'buyer-monthly-digest', pattern: '0 9 1 * *' },
      { key: 'notify-reminders', pattern: '23 * * * *' },
      { key: 'office-weekly-digest', pattern: '0 8 * * 1' },
      { key: 'units-behind-pace', pattern: '30 9 1 * *' },
      { key: 'units-monthly-snapshot', pattern: '15 9 1 * *' },
    ]);

    // The daily automatic-acceptance pass behind the delayed jobs, and the hourly journal reconcile.
    for (const [name, expected] of [
      [QUEUES.autoAccept, { key: 'auto-accept-sweep', pattern: '41 2 * * *', tz: 'Asia/Shanghai' }],
      [QUEUES.journalReconcile, { key: 'journal-reconcile-hourly', pattern: '37 * * * *', tz: 'Asia/Shanghai' }],
    ] as const) {
      const q = new Queue(name, { connection, prefix });
      cleanups.push(() => q.close());
      expect((await q.getJobSchedulers()).map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([
        expected,
      ]);
    }
  });

  it('counts failed jobs by queue in its metrics (a malformed payload fails for good)', async () => {
    const { config, database } = await testWorkerConfig('empty');
    cleanups.push(() => database.drop());
    const runtime = await startRuntime(config, createLogger('silent'));
    cleanups.push(() => runtime.close());
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const prefix = `${config.redisPrefix}:bull`;
    const queue = new Queue(QUEUES.purchaseExpiry, { connection, prefix });
    const events = new QueueEvents(QUEUES.purchaseExpiry, { connection: connection.duplicate(), prefix });
    cleanups.push(async () => {
      await events.close();
      await queue.close();
      connection.disconnect();
    });
    await events.waitUntilReady();
    const job = await queue.add('bad', { nope: true }, { attempts: 3 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/malformed purchase-expiry job/);
    await expect
      .poll(() => runtime.metrics.metrics())
      .toContain('shanhai_worker_jobs_failed_total{queue="purchase-expiry",final="true"} 1');
  });
});
