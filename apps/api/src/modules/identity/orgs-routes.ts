import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AddressListQuery,
  ChangeMemberRoleRequest,
  InviteMemberRequest,
  Member,
  MemberListQuery,
  OrgDecisionRequest,
  OrgAddress,
  OrgAddressPatch,
  OrgAddressRequest,
  OrgListQuery,
  OrgSettingsRequest,
  OrgSignupRequest,
  OrgSummary,
  Problem,
} from '@shanhai/domain';
import { sendPage } from '../../lib/cursor';
import { found, notFound } from '../../lib/problem';
import { limits } from '../../lib/rate-limit';

/** Enough for an office registering a district's units by hand; few enough to stop scripted spam. */
const SIGNUPS_PER_IP_PER_HOUR = 30;
import { principalOf } from '../../plugins/auth';
import * as orgsService from './orgs-service';

const OrgParams = z.strictObject({ id: z.uuid() });
const MemberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });
const AddressParams = z.strictObject({ id: z.uuid(), addressId: z.uuid() });
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
        summary:
          'Organisations, newest first, or the queue of pending sign-ups oldest first (office); a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: OrgListQuery,
        response: { 200: z.array(OrgSummary), ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request, reply) => sendPage(reply, await orgsService.listOrgs(app.db, request.query)),
  );

  app.get(
    '/orgs/:id',
    {
      schema: { tags: ['orgs'], ...guarded, params: OrgParams, response: { 200: OrgSummary, ...problems } },
      preHandler: app.guard(),
    },
    async (request) => found(await orgsService.getOrg(app.db, principalOf(request), request.params.id), 'Organisation'),
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
      return found(
        await orgsService.updateOrgSettings(
          app.db,
          principalOf(request),
          request.params.id,
          request.body as Parameters<typeof orgsService.updateOrgSettings>[3],
        ),
        'Organisation',
      );
    },
  );

  app.get(
    '/orgs/:id/addresses',
    {
      schema: {
        tags: ['orgs'],
        summary:
          "One's own org's delivery address book, the default first, then oldest first; a page at a time (cursor, limit; the next cursor in x-next-cursor)",
        ...guarded,
        params: OrgParams,
        querystring: AddressListQuery,
        response: { 200: z.array(OrgAddress), ...problems },
      },
      preHandler: app.guard(),
    },
    async (request, reply) =>
      sendPage(
        reply,
        found(
          await orgsService.listAddresses(app.db, principalOf(request), request.params.id, request.query),
          'Organisation',
        ),
      ),
  );

  app.post(
    '/orgs/:id/addresses',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Add a delivery address (the first one, or one with isDefault, becomes the default)',
        ...guarded,
        params: OrgParams,
        body: OrgAddressRequest,
        response: { 201: OrgAddress, ...problems, 409: Problem },
      },
      preHandler: app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] }),
    },
    async (request, reply) => {
      const a = await orgsService.addAddress(app.db, principalOf(request), request.params.id, request.body);
      if (!a) throw notFound('Organisation');
      return reply.status(201).send(a);
    },
  );

  app.patch(
    '/orgs/:id/addresses/:addressId',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Change a delivery address',
        ...guarded,
        params: AddressParams,
        body: OrgAddressPatch,
        response: { 200: OrgAddress, ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] }),
    },
    async (request) => {
      const { id, addressId } = request.params;
      return found(
        await orgsService.updateAddress(app.db, principalOf(request), id, addressId, request.body),
        'Address',
      );
    },
  );

  app.delete(
    '/orgs/:id/addresses/:addressId',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Remove a delivery address (removing the default makes the oldest other one the default)',
        ...guarded,
        params: AddressParams,
        response: { 204: z.null(), ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] }),
    },
    async (request, reply) => {
      const { id, addressId } = request.params;
      const ok = await orgsService.removeAddress(app.db, principalOf(request), id, addressId);
      if (!ok) throw notFound('Address');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/orgs/:id/addresses/:addressId/default',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Make an address the default: checkout delivers there unless told otherwise',
        ...guarded,
        params: AddressParams,
        response: { 200: OrgAddress, ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] }),
    },
    async (request) => {
      const { id, addressId } = request.params;
      return found(await orgsService.setDefaultAddress(app.db, principalOf(request), id, addressId), 'Address');
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
        return found(
          await orgsService.decideOrg(app.db, principalOf(request), request.params.id, decision, reason),
          'Organisation',
        );
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
      schema: {
        tags: ['members'],
        summary:
          "One's own org's members, oldest first; a page at a time (cursor, limit; the next cursor in x-next-cursor)",
        ...guarded,
        params: OrgParams,
        querystring: MemberListQuery,
        response: { 200: z.array(Member), ...problems },
      },
      preHandler: app.guard({ roles: ['owner', 'manager'] }),
    },
    async (request, reply) => {
      const who = ownOrg(request);
      return sendPage(reply, await orgsService.listMembers(app.db, who.orgId, request.query));
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

  app.patch(
    '/orgs/:id/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: "Owner: change another member's role (audited; their sessions end; the other owners are told)",
        ...guarded,
        params: MemberParams,
        body: ChangeMemberRoleRequest,
        response: { 200: Member, ...problems, 409: Problem },
      },
      preHandler: app.guard({ roles: ['owner'] }),
    },
    async (request) => {
      const who = ownOrg(request);
      const member = await orgsService.changeMemberRole(app.db, who, request.params.userId, request.body.role);
      if (!member) throw notFound('Member');
      await app.queues.notifySoon();
      return member;
    },
  );

  app.delete(
    '/orgs/:id/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary:
          'Owner: remove a member from the org (audited; their sessions end; the other owners are told; never the last owner: 409)',
        ...guarded,
        params: MemberParams,
        response: { 204: z.null(), ...problems, 409: Problem },
      },
      preHandler: app.guard({ roles: ['owner'] }),
    },
    async (request, reply) => {
      const who = ownOrg(request);
      if (!(await orgsService.removeMember(app.db, who, request.params.userId))) throw notFound('Member');
      await app.queues.notifySoon();
      return reply.status(204).send(null);
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
        return found(await orgsService.setMemberStatus(app.db, who, request.params.userId, status), 'Member');
      },
    );
  }
};

export default orgsRoutes;
