import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ImportResult, Problem } from '@shanhai/domain';
import { forbidden } from '../../lib/problem';
import { readSingleFile } from '../../lib/uploads';
import { acceptUploads } from '../../plugins/uploads';
import { principalOf } from '../../plugins/auth';
import * as imports from './imports-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Historical sales imported from a spreadsheet, one ledger row per file row. */
const importsRoutes: FastifyPluginAsyncZod = async (app) => {
  await acceptUploads(app);
  const office = app.guard({ kinds: ['office'] });

  app.post(
    '/sales/import',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Import historical daily sales per town from CSV or XLSX (office staff). dryRun=true reports per-row errors and totals per town; a commit (an office owner or manager, as for approving an offline sale) is idempotent per file row.',
        security: [{ bearer: [] }],
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('true') }),
        response: { 200: ImportResult, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const dryRun = request.query.dryRun === 'true';
      // A commit credits the leaderboard's ledger like an approved offline sale: the same roles.
      if (!dryRun && !['owner', 'manager'].includes(principalOf(request).role))
        throw forbidden('Only an office owner or manager may commit an import');
      const { buffer, filename } = await readSingleFile(request);
      const result = await imports.importSales(app.db, principalOf(request), buffer, filename, dryRun);
      if (result.addedRows > 0) await app.queues.tallySoon();
      return result;
    },
  );
};

export default importsRoutes;
