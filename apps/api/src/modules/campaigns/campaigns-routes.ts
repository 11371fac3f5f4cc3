import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Campaign,
  CampaignBoard,
  CampaignListQuery,
  CampaignPage,
  CampaignPageQuery,
  CampaignProductPage,
  CampaignReattributionPage,
  CreateCampaignRequest,
  Problem,
  QUEUES,
  UpdateCampaignRequest,
  type CampaignReattributionJob,
} from '@shanhai/domain';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as campaigns from './campaigns-service';

const IdParams = z.strictObject({ id: z.uuid() });
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * Campaigns (6·30 扶贫济困日, 年货节, …): the office defines them; anyone reads them, their board
 * and their shelf. Attribution is the tally worker's; an edit of dates or scope is re-attributed by
 * a recorded job.
 */
const campaignsRoutes: FastifyPluginAsyncZod = async (app) => {
  const office = app.guard({ kinds: ['office'] });
  // After commit; if Redis is away the worker's sweep carries the recorded re-attribution out.
  const enqueueReattribution = (reattributionId: string) =>
    app.queues.enqueue(
      QUEUES.campaignReattribution,
      'reattribute',
      { reattributionId } satisfies CampaignReattributionJob,
      { jobId: `reattribute-${reattributionId}` },
    );

  app.get(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary:
          'Campaigns, the latest start first; `phase` narrows to upcoming, active or past (by today’s business date); a page at a time (cursor, limit, nextCursor)',
        querystring: CampaignListQuery,
        response: { 200: CampaignPage, 400: Problem },
      },
    },
    async (request) => campaigns.listCampaigns(app.db, request.query),
  );

  app.get(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign with its attributed sales so far',
        params: IdParams,
        response: { 200: Campaign, 400: Problem, 404: Problem },
      },
    },
    async (request) => found(await campaigns.getCampaign(app.db, request.params.id), 'Campaign'),
  );

  app.get(
    '/campaigns/:id/leaderboard',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'A campaign’s live board: towns and partner units by the sales attributed to it',
        params: IdParams,
        response: { 200: CampaignBoard, 400: Problem, 404: Problem },
      },
    },
    async (request) => found(await campaigns.campaignBoard(app.db, request.params.id), 'Campaign'),
  );

  app.get(
    '/campaigns/:id/products',
    {
      schema: {
        tags: ['campaigns'],
        summary:
          'A campaign’s shelf: listed products in its scope, newest first; a page at a time (cursor, limit, nextCursor)',
        params: IdParams,
        querystring: CampaignPageQuery,
        response: { 200: CampaignProductPage, 400: Problem, 404: Problem },
      },
    },
    async (request) => found(await campaigns.campaignProducts(app.db, request.params.id, request.query), 'Campaign'),
  );

  app.post(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary:
          'Create a campaign (office staff; audit-logged). One that has begun counts its earlier sales through a recorded re-attribution',
        security: [{ bearer: [] }],
        body: CreateCampaignRequest,
        response: { 201: Campaign, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const out = await campaigns.createCampaign(app.db, principalOf(request), request.body);
      if (out.reattributionId) await enqueueReattribution(out.reattributionId);
      return reply.code(201).send(out.campaign);
    },
  );

  app.patch(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary:
          'Edit a campaign (office staff; audit-logged). A change of dates or scope is re-attributed by a recorded job',
        security: [{ bearer: [] }],
        params: IdParams,
        body: UpdateCampaignRequest,
        response: { 200: Campaign, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const out = await campaigns.updateCampaign(app.db, principalOf(request), request.params.id, request.body);
      if (!out) throw notFound('Campaign');
      if (out.reattributionId) await enqueueReattribution(out.reattributionId);
      return out.campaign;
    },
  );

  app.delete(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a campaign nothing has counted for yet (office staff; audit-logged); otherwise 409',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      if (!(await campaigns.deleteCampaign(app.db, principalOf(request), request.params.id)))
        throw notFound('Campaign');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/campaigns/:id/reattributions',
    {
      schema: {
        tags: ['campaigns'],
        summary:
          'A campaign’s re-attributions, newest first: who changed its dates or scope, when, and what moved (office staff); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: CampaignPageQuery,
        response: { 200: CampaignReattributionPage, ...errors },
      },
      preHandler: office,
    },
    async (request) => found(await campaigns.listReattributions(app.db, request.params.id, request.query), 'Campaign'),
  );
};

export default campaignsRoutes;
