import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { businessYear, Problem, PutTargetRequest, RegionsResponse, TownTarget, Year } from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as regionsService from './regions-service';

const regionsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/regions',
    {
      schema: {
        tags: ['regions'],
        summary: 'Counties with their towns and each town’s target (fen) for a year (default: this year)',
        querystring: z.strictObject({ year: Year.optional() }),
        response: { 200: RegionsResponse, 400: Problem },
      },
    },
    async (request) => regionsService.regions(app.db, request.query.year ?? businessYear()),
  );

  app.put(
    '/towns/:id/targets/:year',
    {
      schema: {
        tags: ['regions'],
        summary: 'Set a town’s yearly sales target (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid(), year: Year }),
        body: PutTargetRequest,
        response: { 200: TownTarget, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request) => {
      const target = await regionsService.setTarget(
        app.db,
        principalOf(request),
        request.params.id,
        request.params.year,
        request.body.targetFen,
      );
      if (!target) throw notFound('Town');
      await app.leaderboardLive.announce();
      return target;
    },
  );
};

export default regionsRoutes;
