import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MarkPayoutPaidRequest,
  MyPayoutAccount,
  PageQuery,
  Payout,
  PayoutAccount,
  PayoutAccountChange,
  PayoutAccountRequest,
  PayoutListQuery,
  Problem,
  Reason,
  Settlement,
  SettlementDetail,
  SettlementRequest,
  Statement,
  StatementSummary,
} from '@shanhai/domain';
import { schema } from '@shanhai/db';
import { eq } from 'drizzle-orm';
import { attachment, sendCsv } from '../../lib/csv';
import { sendPage } from '../../lib/cursor';
import { IdempotencyHeaders, idempotentRequest, sendOutcome } from '../../lib/idempotency';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as accounts from './payout-accounts-service';
import { BANK_FILE_HEADER, bankFileRow, bankFileXlsxStream, statementXlsx } from './settlements-export';
import * as settlementsService from './settlements-service';

const IdParams = z.strictObject({ id: z.uuid() });
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const guarded = { security: [{ bearer: [] }] };
const Done = z.object({ ok: z.literal(true) });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ExportQuery = z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') });

/**
 * Settlements (结算): cooperatives' payout accounts (a change waits for the office), the office's
 * settlement runs with one statement per cooperative, the bank batch file, and payouts marked
 * paid or bounced.
 */
const settlementsRoutes: FastifyPluginAsyncZod = async (app) => {
  // Where the money goes: a cooperative's owner or manager asks, an office owner or manager confirms.
  const coopManager = app.guard({ kinds: ['cooperative'], roles: ['owner', 'manager'] });
  const cooperative = app.guard({ kinds: ['cooperative'] });
  const office = app.guard({ kinds: ['office'] });
  const officeManager = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });
  const officeOrCoop = app.guard({ kinds: ['office', 'cooperative'] });

  app.get(
    '/payout-account',
    {
      schema: {
        tags: ['money'],
        summary: 'The cooperative’s payout account in force and a change waiting for the office',
        ...guarded,
        response: { 200: MyPayoutAccount, ...errors },
      },
      preHandler: cooperative,
    },
    async (request) => accounts.myPayoutAccount(app.db, principalOf(request).orgId),
  );

  app.put(
    '/payout-account',
    {
      schema: {
        tags: ['money'],
        summary:
          'Ask for payouts to go to a new account (cooperative owner or manager; in force once the office confirms; owners told; audited)',
        ...guarded,
        body: PayoutAccountRequest,
        response: { 202: PayoutAccount, ...errors },
      },
      preHandler: coopManager,
    },
    async (request, reply) => {
      const a = await accounts.requestPayoutAccount(app.db, principalOf(request), request.body);
      await app.queues.notifySoon();
      return reply.status(202).send(a);
    },
  );

  app.get(
    '/payout-accounts/changes',
    {
      schema: {
        tags: ['money'],
        summary:
          'Payout account changes waiting for confirmation, beside the accounts they replace, oldest first, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(PayoutAccountChange), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => sendPage(reply, await accounts.pendingChanges(app.db, request.query)),
  );

  app.post(
    '/payout-accounts/:id/confirm',
    {
      schema: {
        tags: ['money'],
        summary: 'Put a payout account change in force (office owner or manager; audited)',
        ...guarded,
        params: IdParams,
        response: { 200: PayoutAccount, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) =>
      found(
        await accounts.decidePayoutAccount(app.db, principalOf(request), request.params.id, { confirm: true }),
        'Payout account',
      ),
  );

  app.post(
    '/payout-accounts/:id/reject',
    {
      schema: {
        tags: ['money'],
        summary: 'Refuse a payout account change with a reason (office owner or manager; audited)',
        ...guarded,
        params: IdParams,
        body: Reason,
        response: { 200: PayoutAccount, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      return found(
        await accounts.decidePayoutAccount(app.db, principalOf(request), request.params.id, {
          confirm: false,
          reason: request.body.reason,
        }),
        'Payout account',
      );
    },
  );

  app.post(
    '/settlements',
    {
      schema: {
        tags: ['money'],
        summary:
          'Run a settlement for a period: one statement per cooperative and the payouts (office owner or manager; Idempotency-Key; one at a time)',
        ...guarded,
        headers: IdempotencyHeaders,
        body: SettlementRequest,
        response: { 201: SettlementDetail, ...errors, 422: Problem },
      },
      preHandler: officeManager,
    },
    async (request, reply) => {
      const who = principalOf(request);
      const out = await idempotentRequest(app.db, who.orgId, request, 'POST /api/v1/settlements', async (tx) => ({
        status: 201,
        body: { id: await settlementsService.createSettlement(tx, who, request.body) },
      }));
      await app.queues.notifySoon();
      const detail = await settlementsService.settlementDetail(app.db, out.body.id);
      return sendOutcome(reply, out, detail!);
    },
  );

  app.get(
    '/settlements',
    {
      schema: {
        tags: ['money'],
        summary:
          'Settlements, newest period first, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(Settlement), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => sendPage(reply, await settlementsService.listSettlements(app.db, request.query)),
  );

  app.get(
    '/settlements/:id',
    {
      schema: {
        tags: ['money'],
        summary:
          'A settlement with the first page of its statements and of its payouts, and the cursors of the rest (statementsNextCursor, payoutsNextCursor) (office)',
        ...guarded,
        params: IdParams,
        response: { 200: SettlementDetail, ...errors },
      },
      preHandler: office,
    },
    async (request) => found(await settlementsService.settlementDetail(app.db, request.params.id), 'Settlement'),
  );

  app.get(
    '/settlements/:id/statements',
    {
      schema: {
        tags: ['money'],
        summary:
          'A settlement’s statements by cooperative name, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        ...guarded,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.array(StatementSummary), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) =>
      sendPage(
        reply,
        found(
          await settlementsService.settlementStatementsPage(app.db, request.params.id, request.query),
          'Settlement',
        ),
      ),
  );

  app.get(
    '/settlements/:id/payouts',
    {
      schema: {
        tags: ['money'],
        summary:
          'A settlement’s payouts in bank-file sequence, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        ...guarded,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.array(Payout), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) =>
      sendPage(
        reply,
        found(await settlementsService.settlementPayoutsPage(app.db, request.params.id, request.query), 'Settlement'),
      ),
  );

  app.post(
    '/settlements/:id/void',
    {
      schema: {
        tags: ['money'],
        summary:
          'Void a settlement none of whose payouts was paid; what it covered is owed again (office owner or manager; audited)',
        ...guarded,
        params: IdParams,
        body: Reason,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      if (
        !(await settlementsService.voidSettlement(app.db, principalOf(request), request.params.id, request.body.reason))
      )
        throw notFound('Settlement');
      return { ok: true as const };
    },
  );

  app.get(
    '/settlements/:id/bank-file',
    {
      schema: {
        tags: ['money'],
        summary:
          'The batch payment file of the payouts still to send (XLSX or CSV; columns of corporate online banking) (office)',
        ...guarded,
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const [s] = await app.db
        .select({ number: schema.settlements.number })
        .from(schema.settlements)
        .where(eq(schema.settlements.id, request.params.id));
      if (!s) throw notFound('Settlement');
      const payouts = settlementsService.pendingPayouts(app.db, request.params.id);
      const filename = `批量付款-${s.number}.${request.query.format}`;
      if (request.query.format === 'csv')
        return sendCsv(
          reply,
          filename,
          BANK_FILE_HEADER,
          (async function* () {
            for await (const p of payouts) yield bankFileRow(s.number, p);
          })(),
        );
      return reply
        .header('content-disposition', attachment(filename))
        .type(XLSX)
        .send(await bankFileXlsxStream(s.number, payouts));
    },
  );

  app.get(
    '/statements',
    {
      schema: {
        tags: ['money'],
        summary:
          'Statements (结算单): a cooperative’s own; every cooperative’s for the office; newest period first, a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(StatementSummary), ...errors },
      },
      preHandler: officeOrCoop,
    },
    async (request, reply) =>
      sendPage(reply, await settlementsService.listStatements(app.db, principalOf(request), request.query)),
  );

  app.get(
    '/statements/:id',
    {
      schema: {
        tags: ['money'],
        summary: 'A statement with every item of its period, each accepted order’s lines, and its payout',
        ...guarded,
        params: IdParams,
        response: { 200: Statement, ...errors },
      },
      preHandler: officeOrCoop,
    },
    async (request) =>
      found(await settlementsService.statementDetail(app.db, principalOf(request), request.params.id), 'Statement'),
  );

  app.get(
    '/statements/:id/xlsx',
    {
      schema: {
        tags: ['money'],
        summary: 'Download a statement as XLSX (the cooperative its own, the office any)',
        ...guarded,
        params: IdParams,
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: officeOrCoop,
    },
    async (request, reply) => {
      const s = await settlementsService.statementDetail(app.db, principalOf(request), request.params.id);
      if (!s) throw notFound('Statement');
      return reply
        .header('content-disposition', attachment(`结算单-${s.settlementNumber}-${s.cooperativeName}.xlsx`))
        .header('cache-control', 'private, no-store')
        .type(XLSX)
        .send(await statementXlsx(s));
    },
  );

  app.get(
    '/payouts',
    {
      schema: {
        tags: ['money'],
        summary:
          'Payouts: a cooperative’s own; every payout for the office (filter by status); newest period first, a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: PayoutListQuery.extend(PageQuery.shape),
        response: { 200: z.array(Payout), ...errors },
      },
      preHandler: officeOrCoop,
    },
    async (request, reply) =>
      sendPage(reply, await settlementsService.listPayouts(app.db, principalOf(request), request.query)),
  );

  app.post(
    '/payouts/:id/mark-paid',
    {
      schema: {
        tags: ['money'],
        summary:
          'Mark a payout sent, with the bank’s reference (office owner or manager; posts the payout entry; once)',
        ...guarded,
        params: IdParams,
        body: MarkPayoutPaidRequest,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      if (!(await settlementsService.markPaid(app.db, principalOf(request), request.params.id, request.body)))
        throw notFound('Payout');
      await app.queues.notifySoon();
      return { ok: true as const };
    },
  );

  app.post(
    '/payouts/:id/bounce',
    {
      schema: {
        tags: ['money'],
        summary: 'Record a paid payout the bank returned; the amount is available again (office owner or manager)',
        ...guarded,
        params: IdParams,
        body: Reason,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      if (!(await settlementsService.bounce(app.db, principalOf(request), request.params.id, request.body.reason)))
        throw notFound('Payout');
      await app.queues.notifySoon();
      return { ok: true as const };
    },
  );
};

export default settlementsRoutes;
