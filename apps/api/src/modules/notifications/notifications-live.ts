import fp from 'fastify-plugin';
import { subscriber } from '../../plugins/redis';
import { NOTIFICATIONS_CHANNEL, NotificationsPublished } from '@shanhai/domain';
import { sseFrame, type SseClient } from '../../lib/sse';

declare module 'fastify' {
  interface FastifyInstance {
    notificationsLive: NotificationsLive;
  }
}

interface NotificationsLive {
  /** Adds a signed-in user's open stream; returns a function that removes it. */
  addClient(userId: string, client: SseClient): () => void;
  /** Tells this replica's open streams of these users that something new arrived. */
  ping(userIds: string[]): void;
  clientCount(): number;
}

/**
 * The bell's live part on one api replica: the worker's dispatcher publishes which users have
 * something new, and each replica pings those users' open streams (the tab then asks for its
 * count). The message carries user ids only; what arrived is read through the api, with auth.
 */
export default fp<{ prefix: string }>(
  async (app, opts) => {
    const channel = `${opts.prefix}:${NOTIFICATIONS_CHANNEL}`;
    const byUser = new Map<string, Set<SseClient>>();
    const ping = sseFrame('notification', '{}');

    const live: NotificationsLive = {
      addClient(userId, client) {
        let set = byUser.get(userId);
        if (!set) byUser.set(userId, (set = new Set()));
        set.add(client);
        return () => {
          set.delete(client);
          if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
        };
      },
      ping(userIds) {
        for (const id of userIds) {
          for (const client of byUser.get(id) ?? []) client.send(ping);
        }
      },
      clientCount: () => [...byUser.values()].reduce((n, s) => n + s.size, 0),
    };

    // Its own connection in subscribe mode, retrying forever and resubscribing by itself.
    const listener = subscriber(app, channel, 'notifications', (raw) => {
      try {
        const parsed = NotificationsPublished.safeParse(JSON.parse(raw));
        if (parsed.success) live.ping(parsed.data.userIds);
      } catch {
        // Not JSON: not ours to act on.
      }
    });

    app.decorate('notificationsLive', live);
    app.addHook('onClose', async () => {
      listener.disconnect();
      byUser.clear();
    });
  },
  { name: 'notifications-live', dependencies: ['redis'] },
);
