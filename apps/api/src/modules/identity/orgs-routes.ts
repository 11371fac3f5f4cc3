import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  InviteMemberRequest,
  Member,
  OrgDecisionRequest,
  OrgListQuery,
  OrgSettingsRequest,
  OrgSignupRequest,
  OrgSummary,
  Problem,
} from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { limits } from '../../lib/rate-limit';

/** Enough for an office registering a district's units by hand; few enough to stop scripted spam. */
const SIGNUPS_PER_IP_PER_HOUR = 30;
import { principalOf } from '../../plugins/auth';
import * as orgsService from './orgs-service';

const OrgParams = z.strictObject({ id: z.uuid() });
const MemberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

const orgsRoutes: FastifyPluginAsyncZod = async (app) => {
  const signupLimit = limits(app, [
    { max: SIGNUPS_PER_IP_PER_HOUR, windowMs: 3600_000, key: (req) => `signup-ip:${req.ip}` },
  ]);

  app.post(
    '/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Sign up a partner unit (buyer) or a cooperative; it stays pending until the office activates it',
        body: OrgSignupRequest,
        response: { 201: OrgSummary, 400: Problem, 409: Problem, 429: Problem },
      },
      preHandler: signupLimit,
    },
    async (request, reply) => {
      const org = await orgsService.signUp(app.db, request.body);
      await app.queues.notifySoon();
      return reply.status(201).send(org);
    },
  );

  app.get(
    '/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Organisations, e.g. the queue of pending sign-ups (office)',
        ...guarded,
        querystring: OrgListQuery,
        response: { 200: z.array(OrgSummary), ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request) => orgsService.listOrgs(app.db, request.query),
  );

  app.get(
    '/orgs/:id',
    {
      schema: { tags: ['orgs'], ...guarded, params: OrgParams, response: { 200: OrgSummary, ...problems } },
      preHandler: app.guard(),
    },
    async (request) => {
      const org = await orgsService.getOrg(app.db, principalOf(request), request.params.id);
      if (!org) throw notFound('Organisation');
      return org;
    },
  );

  app.patch(
    '/orgs/:id',
    {
      schema: {
        tags: ['orgs'],
        summary: "Update one's own org: contact, address, invoice details, approval threshold",
        ...guarded,
        params: OrgParams,
        body: OrgSettingsRequest,
        response: { 200: OrgSummary, ...problems },
      },
      preHandler: app.guard({ roles: ['owner', 'manager'] }),
    },
    async (request) => {
      const org = await orgsService.updateOrgSettings(app.db, principalOf(request), request.params.id, request.body);
      if (!org) throw notFound('Organisation');
      return org;
    },
  );

  for (const decision of ['activate', 'reject', 'suspend'] as const) {
    const needsReason = decision !== 'activate';
    app.post(
      `/orgs/:id/${decision}`,
      {
        schema: {
          tags: ['orgs'],
          summary: `Office review: ${decision} an organisation${needsReason ? ' (reason required)' : ''}`,
          ...guarded,
          params: OrgParams,
          body: needsReason ? OrgDecisionRequest : OrgDecisionRequest.partial().nullish(),
          response: { 200: OrgSummary, ...problems, 409: Problem },
        },
        preHandler: app.guard({ kinds: ['office'] }),
      },
      async (request) => {
        const reason = (request.body as { reason?: string } | undefined)?.reason ?? null;
        const org = await orgsService.decideOrg(app.db, principalOf(request), request.params.id, decision, reason);
        if (!org) throw notFound('Organisation');
        return org;
      },
    );
  }

  /** Members are reachable only inside one's own org: another org's id answers 404. */
  function ownOrg(request: { params: { id: string } } & Parameters<typeof principalOf>[0]) {
    const who = principalOf(request);
    if (who.orgId !== request.params.id) throw notFound('Organisation');
    return who;
  }

  app.get(
    '/orgs/:id/members',
    {
      schema: { tags: ['members'], ...guarded, params: OrgParams, response: { 200: z.array(Member), ...problems } },
      preHandler: app.guard({ roles: ['owner', 'manager'] }),
    },
    async (request) => {
      const who = ownOrg(request);
      return orgsService.listMembers(app.db, who.orgId);
    },
  );

  app.post(
    '/orgs/:id/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Invite a member with an initial password',
        ...guarded,
        params: OrgParams,
        body: InviteMemberRequest,
        response: { 201: Member, ...problems, 409: Problem },
      },
      preHandler: app.guard({ roles: ['owner', 'manager'] }),
    },
    async (request, reply) => {
      const who = ownOrg(request);
      const member = await orgsService.inviteMember(app.db, who, request.body);
      await app.queues.notifySoon();
      return reply.status(201).send(member);
    },
  );

  for (const [action, status] of [
    ['deactivate', 'deactivated'],
    ['reactivate', 'active'],
  ] as const) {
    app.post(
      `/orgs/:id/members/:userId/${action}`,
      {
        schema: { tags: ['members'], ...guarded, params: MemberParams, response: { 200: Member, ...problems } },
        preHandler: app.guard({ roles: ['owner', 'manager'] }),
      },
      async (request) => {
        const who = ownOrg(request);
        const member = await orgsService.setMemberStatus(app.db, who, request.params.userId, status);
        if (!member) throw notFound('Member');
        return member;
      },
    );
  }
};

export default orgsRoutes;
