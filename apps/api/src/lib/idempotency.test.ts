import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { schema, writeAudit } from '@shanhai/db';
import { createOrgWithUser, createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import { buildApp } from '../app';
import { bearer, login, testConfig } from '../../test-support/testing';
import { principalOf } from '../plugins/auth';
import { IdempotencyHeaders, idempotent } from './idempotency';

let app: FastifyInstance;
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'empty');
  app = await buildApp(testConfig(database.url), { logger: false });
  // A stand-in money-bearing POST: each effect is one audit row, so effects can be counted.
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/__pledges',
    {
      schema: { headers: IdempotencyHeaders, body: z.strictObject({ amountFen: z.number().int() }) },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      const who = principalOf(request);
      const out = await idempotent(
        app.db,
        {
          orgId: who.orgId,
          key: request.headers['idempotency-key'] as string | undefined,
          scope: 'POST /api/v1/__pledges',
          request: request.body,
        },
        async (tx) => {
          const id = crypto.randomUUID();
          // Hold the transaction open a moment so that concurrent duplicates really overlap.
          await tx.execute('select pg_sleep(0.05)');
          await writeAudit(tx, {
            actorUserId: who.userId,
            actorOrgId: who.orgId,
            action: 'pledge.create',
            entityType: 'pledge',
            entityId: id,
            after: request.body,
          });
          return { status: 201, body: { id, amountFen: request.body.amountFen } };
        },
      );
      if (out.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(out.status).send(out.body);
    },
  );
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

async function session() {
  const { user } = await createOrgWithUser(app.db, { kind: 'buyer' });
  return login(app, user.email);
}
const post = (token: string, body: object, key?: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/__pledges',
    headers: { ...bearer(token), ...(key ? { 'idempotency-key': key } : {}) },
    payload: body,
  });
const effects = (orgId: string) => app.db.$count(schema.auditLog, eq(schema.auditLog.actorOrgId, orgId));

describe('Idempotency-Key (invariant 4)', () => {
  it('the same key and body answers the first response and has one effect', async () => {
    const s = await session();
    const first = await post(s.token, { amountFen: 100 }, 'key-1');
    const again = await post(s.token, { amountFen: 100 }, 'key-1');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await effects(s.orgId)).toBe(1);
  });

  it('the same key twice at once: both get the one answer, one effect', async () => {
    const s = await session();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => post(s.token, { amountFen: 7 }, 'key-concurrent')),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(await effects(s.orgId)).toBe(1);
  });

  it('the same key with another body is a 422 naming the header, and changes nothing', async () => {
    const s = await session();
    await post(s.token, { amountFen: 100 }, 'key-2');
    const other = await post(s.token, { amountFen: 999 }, 'key-2');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({
      code: 'idempotency_key_reused',
      errors: [{ field: 'headers.idempotency-key' }],
    });
    expect(await effects(s.orgId)).toBe(1);
  });

  it('keys are per org: another org’s same key is its own request', async () => {
    const a = await session();
    const b = await session();
    const ra = await post(a.token, { amountFen: 1 }, 'shared-key');
    const rb = await post(b.token, { amountFen: 1 }, 'shared-key');
    expect(ra.json().id).not.toBe(rb.json().id);
  });

  it('without a key every request is its own; a malformed key is a 400', async () => {
    const s = await session();
    await post(s.token, { amountFen: 1 });
    await post(s.token, { amountFen: 1 });
    expect(await effects(s.orgId)).toBe(2);
    const bad = await post(s.token, { amountFen: 1 }, 'has spaces in it');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('headers.idempotency-key');
  });
});
