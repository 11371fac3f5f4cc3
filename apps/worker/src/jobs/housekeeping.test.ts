import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { schema } from '@shanhai/db';
import { createOrgWithUser, useTestDatabase } from '@shanhai/db/testing';
import { processHousekeeping } from './housekeeping';

const handle = useTestDatabase('empty', { max: 2 });

describe('housekeeping job', () => {
  it('purges refresh tokens expired over a day ago, and running it twice changes nothing more', async () => {
    const { user } = await createOrgWithUser(handle.db, { kind: 'buyer' });
    const day = 24 * 3600 * 1000;
    await handle.db.insert(schema.refreshTokens).values([
      { userId: user.id, familyId: crypto.randomUUID(), tokenHash: 'old', expiresAt: new Date(Date.now() - 2 * day) },
      {
        userId: user.id,
        familyId: crypto.randomUUID(),
        tokenHash: 'recent',
        expiresAt: new Date(Date.now() - day / 2),
      },
      { userId: user.id, familyId: crypto.randomUUID(), tokenHash: 'live', expiresAt: new Date(Date.now() + day) },
    ]);
    const job = { id: '1', data: { task: 'purge-expired-refresh-tokens' } };
    expect(await processHousekeeping(handle.db, job)).toEqual({ deleted: 1 });
    expect(await processHousekeeping(handle.db, job)).toEqual({ deleted: 0 });
    const left = await handle.db.select({ h: schema.refreshTokens.tokenHash }).from(schema.refreshTokens);
    expect(left.map((r) => r.h).sort()).toEqual(['live', 'recent']);
  });

  it('fails a malformed payload for good (no retries)', async () => {
    await expect(processHousekeeping(handle.db, { id: '2', data: { task: 'drop-tables' } })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});

describe('housekeeping: idempotency keys', () => {
  it('purges keys older than 48 hours, keeping the 24 hours promised', async () => {
    const { org } = await createOrgWithUser(handle.db, { kind: 'buyer' });
    const hours = (h: number) => new Date(Date.now() - h * 3600 * 1000);
    await handle.db.insert(schema.idempotencyKeys).values([
      {
        orgId: org.id,
        key: 'old',
        scope: 'POST /x',
        requestHash: 'h',
        responseStatus: 201,
        responseBody: {},
        createdAt: hours(49),
      },
      {
        orgId: org.id,
        key: 'day-old',
        scope: 'POST /x',
        requestHash: 'h',
        responseStatus: 201,
        responseBody: {},
        createdAt: hours(25),
      },
    ]);
    const job = { id: '3', data: { task: 'purge-expired-idempotency-keys' } };
    expect(await processHousekeeping(handle.db, job)).toEqual({ deleted: 1 });
    expect(await processHousekeeping(handle.db, job)).toEqual({ deleted: 0 });
  });
});
