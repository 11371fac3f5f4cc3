import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MarkReadResponse,
  NotificationListQuery,
  NotificationPage,
  NotificationSettings,
  Problem,
  PutNotificationSettings,
  UnreadCount,
} from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as svc from './notifications-service';
import { sseFrame } from '../../lib/sse';

const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
/** Ids marked read at once: a page of the list and then some. */
const MAX_MARK_IDS = 200;

const notificationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's notifications, newest first (cursor pages), with the unread count",
        ...guarded,
        querystring: NotificationListQuery,
        response: { 200: NotificationPage, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => svc.listNotifications(app.db, principalOf(request), request.query),
  );

  app.get(
    '/notifications/unread-count',
    {
      schema: {
        tags: ['notifications'],
        summary: 'How many of the caller’s notifications are unread (the bell’s badge)',
        ...guarded,
        response: { 200: UnreadCount, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => ({ unreadCount: await svc.unreadCount(app.db, principalOf(request).userId) }),
  );

  app.post(
    '/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark one of the caller’s notifications read (another user’s answers 404)',
        ...guarded,
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: MarkReadResponse, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => {
      const who = principalOf(request);
      if (!(await svc.markOneRead(app.db, who, request.params.id))) throw notFound('Notification');
      return { marked: 1, unreadCount: await svc.unreadCount(app.db, who.userId) };
    },
  );

  app.post(
    '/notifications/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark the caller’s notifications read: the given ids, or all of them',
        ...guarded,
        body: z.union([
          z.strictObject({ ids: z.array(z.uuid()).min(1).max(MAX_MARK_IDS) }),
          z.strictObject({ all: z.literal(true) }),
        ]),
        response: { 200: MarkReadResponse, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => {
      const who = principalOf(request);
      const marked = await svc.markRead(app.db, who, 'all' in request.body ? 'all' : request.body.ids);
      return { marked, unreadCount: await svc.unreadCount(app.db, who.userId) };
    },
  );

  app.get(
    '/me/notification-settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The caller’s email language and, per kind of notification, in-app only or in-app and email',
        ...guarded,
        response: { 200: NotificationSettings, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => svc.getSettings(app.db, principalOf(request)),
  );

  app.put(
    '/me/notification-settings',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Change the email language and per-kind delivery (an owner’s security notices stay on email)',
        ...guarded,
        body: PutNotificationSettings,
        response: { 200: NotificationSettings, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) => svc.putSettings(app.db, principalOf(request), request.body),
  );

  app.get(
    '/stream',
    {
      schema: {
        tags: ['notifications'],
        summary:
          'The web app’s one live connection (server-sent events): leaderboard `changed` events for everyone and, with a bearer token, `notification` pings for the caller; reconnect with Last-Event-ID',
        querystring: z.strictObject({ lastEventId: z.coerce.number().int().min(0).optional() }),
        response: { 401: Problem, 403: Problem },
      },
      preHandler: app.optionalAuth(),
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const lastEventId =
        typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : (request.query.lastEventId ?? null);
      const principal = request.principal;
      // Unread count first, so that the badge is right the moment the stream opens.
      const unread = principal ? await svc.unreadCount(app.db, principal.userId) : null;
      reply.hijack();
      const client = app.sse.open(reply.raw);
      await app.leaderboardLive.addClient(client, lastEventId);
      const removers: (() => void)[] = [];
      let expiry: NodeJS.Timeout | undefined;
      if (principal) {
        // Notification events carry no id: Last-Event-ID stays the board's version.
        client.send(sseFrame('notification', JSON.stringify({ unreadCount: unread })));
        removers.push(app.notificationsLive.addClient(principal.userId, client));
        // The stream lives as long as the access token that opened it; the client reconnects
        // with a fresh one, so a revoked session stops hearing within the token's lifetime.
        const exp = (request.user as { exp?: number } | undefined)?.exp;
        if (exp) {
          expiry = setTimeout(() => reply.raw.end(), Math.max(0, exp * 1000 - Date.now()));
          expiry.unref();
        }
      }
      request.raw.on('close', () => {
        clearTimeout(expiry);
        for (const remove of removers) remove();
      });
    },
  );
};

export default notificationsRoutes;
