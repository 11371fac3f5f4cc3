import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditFilter, AuditPage, AuditQuery, Problem } from '@shanhai/domain';
import { sendCsv } from '../../lib/csv';
import * as audit from './audit-service';

const problems = { 400: Problem, 401: Problem, 403: Problem };

/** The audit log, read by the command office's owners and managers (who did what to which object, when). */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const officeManagers = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first, filtered by actor, action, object and business dates; cursor-paginated',
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problems },
      },
      preHandler: officeManagers,
    },
    async (request) => audit.list(app.db, request.query),
  );

  app.get(
    '/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every audit entry matching the filters as CSV (streamed, never truncated)',
        security: [{ bearer: [] }],
        querystring: AuditFilter,
        response: problems,
      },
      preHandler: officeManagers,
    },
    async (request, reply) => {
      const entries = audit.all(app.db, request.query);
      const rows = (async function* () {
        for await (const e of entries)
          yield [
            e.id,
            e.at,
            e.actor?.name ?? '',
            e.actor?.email ?? '',
            e.actorOrg?.name ?? '',
            e.action,
            e.entityType,
            e.entityId,
            e.entityName?.zh ?? '',
            e.before === null ? '' : JSON.stringify(e.before),
            e.after === null ? '' : JSON.stringify(e.after),
            e.note ?? '',
          ];
      })();
      return sendCsv(
        reply,
        `audit-log-${new Date().toISOString().slice(0, 10)}.csv`,
        [
          'id',
          'at',
          'actor',
          'actor_email',
          'actor_org',
          'action',
          'object_type',
          'object_id',
          'object_name',
          'before',
          'after',
          'note',
        ],
        rows,
      );
    },
  );
};

export default auditRoutes;
