import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  businessYear,
  CreatePairingRequest,
  Pairing,
  PairingListQuery,
  PairingPage,
  Problem,
  PutTargetRequest,
  RegionsResponse,
  TownTarget,
  UpdatePairingRequest,
  Year,
} from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as regionsService from './regions-service';

const IdParams = z.strictObject({ id: z.uuid() });
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Counties and towns with their yearly targets, and the buyer units paired with each town. */
const regionsRoutes: FastifyPluginAsyncZod = async (app) => {
  const office = app.guard({ kinds: ['office'] });

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
      preHandler: office,
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

  app.get(
    '/pairings',
    {
      schema: {
        tags: ['regions'],
        summary:
          'Pairings of buyer orgs with towns, filtered by town, unit and state today (office: all; a buyer org: its own); by town, then unit name, a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: PairingListQuery,
        response: { 200: PairingPage, ...errors },
      },
      preHandler: app.guard({ kinds: ['office', 'buyer'] }),
    },
    async (request) => regionsService.listPairings(app.db, principalOf(request), request.query),
  );

  app.post(
    '/pairings',
    {
      schema: {
        tags: ['regions'],
        summary: 'Pair a buyer org with a town (office staff; audit-logged)',
        security: [{ bearer: [] }],
        body: CreatePairingRequest,
        response: { 201: Pairing, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const p = await regionsService.createPairing(app.db, principalOf(request), request.body);
      await app.leaderboardLive.announce();
      return reply.code(201).send(p);
    },
  );

  app.patch(
    '/pairings/:id',
    {
      schema: {
        tags: ['regions'],
        summary: 'Change a pairing’s role, last day or yearly pledge (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: IdParams,
        body: UpdatePairingRequest,
        response: { 200: Pairing, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const p = await regionsService.updatePairing(app.db, principalOf(request), request.params.id, request.body);
      if (!p) throw notFound('Pairing');
      await app.leaderboardLive.announce();
      return p;
    },
  );

  app.delete(
    '/pairings/:id',
    {
      schema: {
        tags: ['regions'],
        summary: 'Remove a pairing (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      if (!(await regionsService.deletePairing(app.db, principalOf(request), request.params.id)))
        throw notFound('Pairing');
      await app.leaderboardLive.announce();
      return reply.code(204).send(null);
    },
  );
};

export default regionsRoutes;
