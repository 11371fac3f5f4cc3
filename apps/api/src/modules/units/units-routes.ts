import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BudgetUnitListQuery,
  BudgetUnitPage,
  BulkClassifyRequest,
  ClassifyUnitRequest,
  CreateUnitSnapshotRequest,
  Declaration,
  DeclarationListQuery,
  DeclarationPage,
  DeclarationRequest,
  Problem,
  PutUnitYearSettingsRequest,
  ReasonRequest,
  UnitDeclarations,
  PageQuery,
  UnitListPage,
  UnitListQuery,
  UnitProgressDetail,
  UnitProgressQuery,
  UnitRanking,
  UnitRankingQuery,
  UnitSnapshot,
  UnitSnapshotPage,
  UnitSummary,
  UnitYearSettings,
  Year,
  businessDate,
  businessYear,
} from '@shanhai/domain';
import { sendReport } from '../../lib/frozen-report';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as declarations from './declarations-service';
import * as progress from './progress-service';
import * as unitSnapshots from './unit-snapshots-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const IdParams = z.strictObject({ id: z.uuid() });
const UnitYearParams = z.strictObject({ id: z.uuid(), year: Year });

/** Budget units' reserved share: the office's yearly rules, which units are budget units, declarations. */
const unitsRoutes: FastifyPluginAsyncZod = async (app) => {
  const office = app.guard({ kinds: ['office'] });
  const officeOrBuyer = app.guard({ kinds: ['office', 'buyer'] });
  // Declaring commits the unit to a figure: its owner or manager.
  const buyerManager = app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] });

  app.get(
    '/units/settings/:year',
    {
      schema: {
        tags: ['units'],
        summary: 'The year’s minimum ratio (basis points) and declaration deadline',
        security: [{ bearer: [] }],
        params: z.strictObject({ year: Year }),
        response: { 200: UnitYearSettings, ...errors },
      },
      preHandler: officeOrBuyer,
    },
    async (request) => declarations.yearSettings(app.db, request.params.year),
  );

  app.put(
    '/units/settings/:year',
    {
      schema: {
        tags: ['units'],
        summary: 'Set the year’s minimum ratio and declaration deadline (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: z.strictObject({ year: Year }),
        body: PutUnitYearSettingsRequest,
        response: { 200: UnitYearSettings, ...errors },
      },
      preHandler: office,
    },
    async (request) => declarations.putYearSettings(app.db, principalOf(request), request.params.year, request.body),
  );

  app.get(
    '/units/budget-units',
    {
      schema: {
        tags: ['units'],
        summary:
          'Active budget units of a year (default this year) by name, searched by a part of the name or credit code (q) (the shared-canteen picker); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: BudgetUnitListQuery,
        response: { 200: BudgetUnitPage, ...errors },
      },
      preHandler: officeOrBuyer,
    },
    async (request) => declarations.budgetUnits(app.db, request.query),
  );

  app.get(
    '/units',
    {
      schema: {
        tags: ['units'],
        summary:
          'Buyer orgs as partner units by name: budget unit in a year (default this year) or not, kind; search by a part of the name or credit code (q) (office staff); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: UnitListQuery,
        response: { 200: UnitListPage, ...errors },
      },
      preHandler: office,
    },
    async (request) => declarations.listUnits(app.db, request.query),
  );

  app.put(
    '/units/classification',
    {
      schema: {
        tags: ['units'],
        summary:
          'Mark several buyer orgs as budget units of a year or not, optionally setting their kind (office staff; audit-logged)',
        security: [{ bearer: [] }],
        body: BulkClassifyRequest,
        response: { 200: z.object({ items: z.array(UnitSummary) }), ...errors },
      },
      preHandler: office,
    },
    async (request) => ({ items: await declarations.classifyUnits(app.db, principalOf(request), request.body) }),
  );

  app.put(
    '/units/:id/classification',
    {
      schema: {
        tags: ['units'],
        summary: 'Mark a buyer org as a budget unit of a year or not, and set its kind (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: IdParams,
        body: ClassifyUnitRequest,
        response: { 200: UnitSummary, ...errors },
      },
      preHandler: office,
    },
    async (request) =>
      found(
        await declarations.classifyUnit(app.db, principalOf(request), request.params.id, request.body),
        'Buyer org',
      ),
  );

  app.get(
    '/units/:id/declarations/:year',
    {
      schema: {
        tags: ['units'],
        summary: 'A unit’s declaration for a year: the one in force and every version (office, or the unit itself)',
        security: [{ bearer: [] }],
        params: UnitYearParams,
        response: { 200: UnitDeclarations, ...errors },
      },
      preHandler: officeOrBuyer,
    },
    async (request) => {
      return found(
        await declarations.unitDeclarationsFor(app.db, principalOf(request), request.params.id, request.params.year),
        'Unit',
      );
    },
  );

  app.put(
    '/units/:id/declarations/:year',
    {
      schema: {
        tags: ['units'],
        summary:
          'Save the unit’s declaration as a draft; after an approval this starts a new version (the unit’s owner or manager)',
        security: [{ bearer: [] }],
        params: UnitYearParams,
        body: DeclarationRequest,
        response: { 200: Declaration, ...errors },
      },
      preHandler: buyerManager,
    },
    async (request) => {
      return found(
        await declarations.saveDeclaration(
          app.db,
          principalOf(request),
          request.params.id,
          request.params.year,
          request.body,
        ),
        'Unit',
      );
    },
  );

  app.get(
    '/units/ranking',
    {
      schema: {
        tags: ['units'],
        summary:
          'Budget units ranked by completion of their reserved share, paced like the towns; filters by kind and paired county (office staff)',
        security: [{ bearer: [] }],
        querystring: UnitRankingQuery,
        response: { 200: UnitRanking, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const { year, asOf, ...filter } = request.query;
      return progress.ranking(app.db, year ?? businessYear(), asOf ?? businessDate(), filter);
    },
  );

  app.get(
    '/units/snapshots',
    {
      schema: {
        tags: ['units'],
        summary:
          'Frozen unit rankings (the monthly 通报), newest first (office staff); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: PageQuery,
        response: { 200: UnitSnapshotPage, ...errors },
      },
      preHandler: office,
    },
    async (request) => unitSnapshots.listUnitSnapshots(app.db, request.query),
  );

  app.post(
    '/units/snapshots',
    {
      schema: {
        tags: ['units'],
        summary: 'Freeze the unit ranking as of a date under a title (immutable; office staff, audit-logged)',
        security: [{ bearer: [] }],
        body: CreateUnitSnapshotRequest,
        response: { 201: UnitSnapshot, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const { title, asOf } = request.body;
      const year = request.body.year ?? Number(asOf.slice(0, 4));
      return reply
        .code(201)
        .send(await unitSnapshots.createUnitSnapshot(app.db, principalOf(request), title, asOf, year));
    },
  );

  app.get(
    '/units/snapshots/:id',
    {
      schema: {
        tags: ['units'],
        summary: 'One frozen unit ranking with its rows (office staff)',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: UnitSnapshot, ...errors },
      },
      preHandler: office,
    },
    async (request) => found(await unitSnapshots.getUnitSnapshot(app.db, request.params.id), 'Report'),
  );

  app.get(
    '/units/snapshots/:id/export',
    {
      schema: {
        tags: ['units'],
        summary: 'Download a frozen unit ranking as XLSX or CSV with Chinese headers (office staff)',
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') }),
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const s = found(await unitSnapshots.getUnitSnapshot(app.db, request.params.id), 'Report');
      return sendReport(reply, unitSnapshots.unitReport(s), request.query.format);
    },
  );

  app.get(
    '/units/:id/progress/:year',
    {
      schema: {
        tags: ['units'],
        summary:
          'A unit’s progress for a year as of a day: completion, pace, monthly this year against last, by town, by category, per pairing (office, or the unit itself)',
        security: [{ bearer: [] }],
        params: UnitYearParams,
        querystring: UnitProgressQuery,
        response: { 200: UnitProgressDetail, ...errors },
      },
      preHandler: officeOrBuyer,
    },
    async (request) => {
      const who = principalOf(request);
      const { id, year } = request.params;
      const out =
        who.orgKind === 'office' || who.orgId === id
          ? await progress.unitProgress(app.db, id, year, request.query.asOf ?? businessDate())
          : null;
      if (!out) throw notFound('Unit');
      return out;
    },
  );

  app.get(
    '/declarations',
    {
      schema: {
        tags: ['units'],
        summary:
          'The latest declaration of each unit, by unit name (newest year first), filtered by year and status (office staff); a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: DeclarationListQuery,
        response: { 200: DeclarationPage, ...errors },
      },
      preHandler: office,
    },
    async (request) => declarations.listDeclarations(app.db, request.query),
  );

  for (const action of ['submit', 'approve', 'return'] as const) {
    app.post(
      `/declarations/:id/${action}`,
      {
        schema: {
          tags: ['units'],
          summary:
            action === 'submit'
              ? 'Submit a draft declaration to the office (the unit’s owner or manager)'
              : action === 'approve'
                ? 'Approve a submitted declaration (office staff; audit-logged)'
                : 'Return a submitted declaration with a reason (office staff; audit-logged)',
          security: [{ bearer: [] }],
          params: IdParams,
          ...(action === 'return' ? { body: ReasonRequest } : {}),
          response: { 200: Declaration, ...errors },
        },
        preHandler: action === 'submit' ? buyerManager : office,
      },
      async (request) => {
        const reason = (request.body as { reason?: string } | undefined)?.reason ?? null;
        return found(
          await declarations.decideDeclaration(app.db, principalOf(request), request.params.id, action, reason),
          'Declaration',
        );
      },
    );
  }
};

export default unitsRoutes;
