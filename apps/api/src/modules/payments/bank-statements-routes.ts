import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BankDecisionRequest,
  BankStatement,
  BankStatementResult,
  BankTransaction,
  BankTransactionQuery,
  MatchBankTransactionRequest,
  PageQuery,
  Problem,
  TransferCandidate,
  TransferCandidateQuery,
} from '@shanhai/domain';
import { sendPage } from '../../lib/cursor';
import { readSingleFile } from '../../lib/uploads';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import { acceptUploads } from '../../plugins/uploads';
import * as svc from './bank-statements-service';

const IdParams = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * The platform account's bank statement: uploaded by the office (preview, then commit), its rows
 * confirm the transfers they name by reference and exact amount, the rest wait in a matching queue.
 */
const bankStatementsRoutes: FastifyPluginAsyncZod = async (app) => {
  await acceptUploads(app);
  // Confirming money takes an office owner or manager, as the manual confirm-transfer does.
  const decide = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });
  const read = app.guard({ kinds: ['office'] });

  app.post(
    '/bank-statements',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office owner or manager: upload the platform account statement (CSV or XLSX). dryRun=true previews what each row would do; a commit adds each bank transaction id once, confirms the transfers whose reference and exact amount it carries, and queues the rest',
        ...guarded,
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('true') }),
        response: { 200: BankStatementResult, ...problems },
      },
      preHandler: decide,
    },
    async (request) => {
      const { buffer, filename } = await readSingleFile(request);
      const dryRun = request.query.dryRun === 'true';
      const r = await svc.uploadStatement(app.db, principalOf(request), buffer, filename, dryRun);
      if (!dryRun && r.matchedRows > 0) await app.queues.tallySoon();
      if (!dryRun && r.matchedRows + r.queuedRows > 0) await app.queues.notifySoon();
      return r;
    },
  );

  app.get(
    '/bank-statements',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office: the statements uploaded, newest first, a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(BankStatement), ...problems },
      },
      preHandler: read,
    },
    async (request, reply) => sendPage(reply, await svc.listStatements(app.db, request.query)),
  );

  app.get(
    '/bank-transactions',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office: statement rows in a state (default: the matching queue), searched by payer, account or memo (q) and exact amount; newest value date first, a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: BankTransactionQuery.extend(PageQuery.shape),
        response: { 200: z.array(BankTransaction), ...problems },
      },
      preHandler: read,
    },
    async (request, reply) => sendPage(reply, await svc.listTransactions(app.db, request.query)),
  );

  app.get(
    '/bank-transactions/candidates',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office: transfer purchases a queue row could pay (awaiting payment, or confirmed by hand without a bank row), by buyer name or reference (q) and amount; newest first, a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: TransferCandidateQuery.extend(PageQuery.shape),
        response: { 200: z.array(TransferCandidate), ...problems },
      },
      preHandler: read,
    },
    async (request, reply) => sendPage(reply, await svc.transferCandidates(app.db, request.query)),
  );

  app.post(
    '/bank-transactions/:id/match',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office owner or manager: this queue row paid that purchase. Confirms the transfer (exact amount, audited) or, for a purchase confirmed by hand already, records the row as its evidence',
        ...guarded,
        params: IdParams,
        body: MatchBankTransactionRequest,
        response: { 200: z.object({ confirmed: z.boolean(), transaction: BankTransaction }), ...problems },
      },
      preHandler: decide,
    },
    async (request) => {
      const r = await svc.matchTransaction(app.db, principalOf(request), request.params.id, request.body.purchaseId);
      if (!r) throw notFound('Bank transaction');
      if (r.confirmed) await Promise.all([app.queues.tallySoon(), app.queues.notifySoon()]);
      return r;
    },
  );

  for (const [path, state, what] of [
    ['refund', 'refund_marked', 'marks a queue row for refund to its payer'],
    ['ignore', 'ignored', 'sets a queue row aside'],
  ] as const) {
    app.post(
      `/bank-transactions/:id/${path}`,
      {
        schema: {
          tags: ['payments'],
          summary: `Office owner or manager: ${what}, with the reason (audited)`,
          ...guarded,
          params: IdParams,
          body: BankDecisionRequest,
          response: { 200: BankTransaction, ...problems },
        },
        preHandler: decide,
      },
      async (request) => {
        return found(
          await svc.decideTransaction(app.db, principalOf(request), request.params.id, state, request.body.reason),
          'Bank transaction',
        );
      },
    );
  }
};

export default bankStatementsRoutes;
