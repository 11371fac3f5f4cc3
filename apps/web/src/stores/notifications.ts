import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { NotificationItem } from '@shanhai/domain';
import * as api from '@/api/notifications';
import { subscribe } from '@/api/live';

/** The bell's latest few; the full list has its own page. */
const LATEST = 8;

/**
 * The signed-in user's notifications: the unread count and the latest few, kept current by the
 * tab's live connection (a `notification` ping means "ask again"; on (re)connect the stream
 * sends the count itself).
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const unread = ref(0);
  const latest = ref<NotificationItem[]>([]);
  const loaded = ref(false);
  let stops: (() => void)[] = [];
  let refreshing: Promise<void> | null = null;

  function refresh(): Promise<void> {
    refreshing ??= api
      .list({ limit: LATEST })
      .then((page) => {
        latest.value = page.items;
        unread.value = page.unreadCount;
        loaded.value = true;
      })
      .catch(() => undefined)
      .finally(() => (refreshing = null));
    return refreshing;
  }

  /** Starts listening (after login or on page load with a session). */
  function start() {
    if (stops.length > 0) return;
    void refresh();
    stops = [
      subscribe('notification', (e) => {
        const data = JSON.parse(e.data || '{}') as { unreadCount?: number };
        if (typeof data.unreadCount === 'number') unread.value = data.unreadCount;
        void refresh();
      }),
    ];
  }

  function stop() {
    stops.forEach((s) => s());
    stops = [];
    unread.value = 0;
    latest.value = [];
    loaded.value = false;
  }

  async function markRead(item: NotificationItem) {
    if (item.readAt) return;
    const r = await api.markRead(item.id);
    unread.value = r.unreadCount;
    item.readAt = new Date().toISOString();
  }

  async function markAllRead() {
    const r = await api.markAllRead();
    unread.value = r.unreadCount;
    const now = new Date().toISOString();
    for (const n of latest.value) n.readAt ??= now;
  }

  return { unread, latest, loaded, start, stop, refresh, markRead, markAllRead };
});
