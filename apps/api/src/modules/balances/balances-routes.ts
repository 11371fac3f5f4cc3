import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BalanceLinesQuery,
  Category,
  MoneyOverview,
  MoneySettingsRequest,
  MyBalance,
  Problem,
  SetFeeRateRequest,
  businessYear,
} from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as balances from './balances-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const Done = z.object({ ok: z.literal(true) });

/** Cooperatives' balances from the journal's running totals; the office's fee rates and settings. */
const balancesRoutes: FastifyPluginAsyncZod = async (app) => {
  const cooperative = app.guard({ kinds: ['cooperative'] });
  const office = app.guard({ kinds: ['office'] });
  // Fees and the acceptance period change what cooperatives are paid: an owner or manager.
  const officeManager = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });

  app.get(
    '/balances/mine',
    {
      schema: {
        tags: ['money'],
        summary: 'The cooperative’s balance (pending, available, paid out this year) and its newest journal lines',
        security: [{ bearer: [] }],
        querystring: BalanceLinesQuery,
        response: { 200: MyBalance, ...errors },
      },
      preHandler: cooperative,
    },
    async (request) => balances.myBalance(app.db, principalOf(request).orgId, businessYear(), request.query.limit),
  );

  app.get(
    '/balances',
    {
      schema: {
        tags: ['money'],
        summary: 'Every cooperative’s balance and fee rate, the category rates and the acceptance period (office)',
        security: [{ bearer: [] }],
        response: { 200: MoneyOverview, ...errors },
      },
      preHandler: office,
    },
    async () => balances.moneyOverview(app.db, businessYear()),
  );

  app.put(
    '/fee-rates/cooperatives/:id',
    {
      schema: {
        tags: ['money'],
        summary: 'Set or (null) remove a cooperative’s own fee rate in basis points (office owner or manager; audited)',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        body: SetFeeRateRequest,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      const ok = await balances.setFeeRate(
        app.db,
        principalOf(request),
        { cooperativeId: request.params.id },
        request.body.rateBps,
      );
      if (!ok) throw notFound('Cooperative');
      return { ok: true as const };
    },
  );

  app.put(
    '/fee-rates/categories/:category',
    {
      schema: {
        tags: ['money'],
        summary: 'Set or (null) remove a category’s fee rate in basis points (office owner or manager; audited)',
        security: [{ bearer: [] }],
        params: z.strictObject({ category: Category }),
        body: SetFeeRateRequest,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      await balances.setFeeRate(
        app.db,
        principalOf(request),
        { category: request.params.category },
        request.body.rateBps,
      );
      return { ok: true as const };
    },
  );

  app.put(
    '/money-settings',
    {
      schema: {
        tags: ['money'],
        summary:
          'Set the days after delivery before an order is accepted automatically (office owner or manager; audited)',
        security: [{ bearer: [] }],
        body: MoneySettingsRequest,
        response: { 200: Done, ...errors },
      },
      preHandler: officeManager,
    },
    async (request) => {
      await balances.setMoneySettings(app.db, principalOf(request), request.body.autoAcceptDays);
      return { ok: true as const };
    },
  );
};

export default balancesRoutes;
