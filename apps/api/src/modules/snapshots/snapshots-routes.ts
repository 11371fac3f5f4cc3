import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  businessDate,
  CreateSnapshotRequest,
  IsoDate,
  Problem,
  Snapshot,
  PageQuery,
  SnapshotPage,
  Year,
} from '@shanhai/domain';
import { sendReport } from '../../lib/frozen-report';
import { found } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import { townRows } from '../leaderboard/leaderboard-service';
import * as snapshots from './snapshots-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const IdParams = z.strictObject({ id: z.uuid() });

/** Frozen town leaderboards: made by the office, never changed, exported as XLSX or CSV. */
const snapshotsRoutes: FastifyPluginAsyncZod = async (app) => {
  const office = app.guard({ kinds: ['office'] });

  app.get(
    '/snapshots',
    {
      schema: {
        tags: ['reports'],
        summary: 'Frozen leaderboards, newest first (office staff); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: PageQuery,
        response: { 200: SnapshotPage, ...errors },
      },
      preHandler: office,
    },
    async (request) => snapshots.listSnapshots(app.db, request.query),
  );

  app.post(
    '/snapshots',
    {
      schema: {
        tags: ['reports'],
        summary: 'Freeze the town leaderboard as of a date under a title (immutable)',
        security: [{ bearer: [] }],
        body: CreateSnapshotRequest,
        response: { 201: Snapshot, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const { title, asOf } = request.body;
      const year = request.body.year ?? Number(asOf.slice(0, 4));
      return reply.code(201).send(await snapshots.createSnapshot(app.db, principalOf(request), title, asOf, year));
    },
  );

  app.get(
    '/snapshots/:id',
    {
      schema: {
        tags: ['reports'],
        summary: 'One snapshot with its rows',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Snapshot, ...errors },
      },
      preHandler: office,
    },
    async (request) => found(await snapshots.getSnapshot(app.db, request.params.id), 'Snapshot'),
  );

  app.get(
    '/leaderboard/export',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Download the town leaderboard as it stands (as of the end of asOf, default today) as XLSX or CSV with Chinese headers, without freezing it',
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          year: Year.optional(),
          asOf: IsoDate.optional(),
          format: z.enum(['xlsx', 'csv']).default('xlsx'),
        }),
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const asOf = request.query.asOf ?? businessDate(new Date());
      const year = request.query.year ?? Number(asOf.slice(0, 4));
      const rows = await townRows(app.db, year, asOf);
      const title = `帮扶镇销售排行榜-${year}`;
      return sendReport(reply, snapshots.townReport({ title, asOf, rows }), request.query.format);
    },
  );

  app.get(
    '/snapshots/:id/export',
    {
      schema: {
        tags: ['reports'],
        summary: 'Download a snapshot as XLSX or CSV with Chinese headers',
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') }),
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const s = found(await snapshots.getSnapshot(app.db, request.params.id), 'Snapshot');
      return sendReport(reply, snapshots.townReport(s), request.query.format);
    },
  );
};

export default snapshotsRoutes;
