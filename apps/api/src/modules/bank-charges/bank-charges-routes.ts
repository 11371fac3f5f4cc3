import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BankCharge, BankChargeRequest, PageQuery, Problem } from '@shanhai/domain';
import { sendPage } from '../../lib/cursor';
import { principalOf } from '../../plugins/auth';
import * as bankChargesService from './bank-charges-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * Bank charges (银行手续费) the bank took from the platform's account outside a payout: recorded
 * by the office from the bank's statement, each posting one journal entry.
 */
const bankChargesRoutes: FastifyPluginAsyncZod = async (app) => {
  const office = app.guard({ kinds: ['office'] });
  // It moves the platform's bank balance: an owner or manager, as for marking payouts paid.
  const officeManager = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });

  app.post(
    '/bank-charges',
    {
      schema: {
        tags: ['money'],
        summary:
          'Record a charge the bank took outside a payout, once per bank transaction id: 201 when recorded, 200 with the charge when that id was recorded already with the same amount, 409 with another (office owner or manager; audited)',
        security: [{ bearer: [] }],
        body: BankChargeRequest,
        response: { 200: BankCharge, 201: BankCharge, ...errors },
      },
      preHandler: officeManager,
    },
    async (request, reply) => {
      const out = await bankChargesService.recordBankCharge(app.db, principalOf(request), request.body);
      return reply.code(out.created ? 201 : 200).send(out.charge);
    },
  );

  app.get(
    '/bank-charges',
    {
      schema: {
        tags: ['money'],
        summary:
          'Bank charges recorded outside payouts, newest booking first, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        security: [{ bearer: [] }],
        querystring: PageQuery,
        response: { 200: z.array(BankCharge), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => sendPage(reply, await bankChargesService.listBankCharges(app.db, request.query)),
  );
};

export default bankChargesRoutes;
