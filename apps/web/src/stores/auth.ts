import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { OrgKind, SessionUser } from '@shanhai/domain';
import * as authApi from '@/api/auth';
import { onSessionChange, refreshSession } from '@/api/http';
import * as live from '@/api/live';

/** Where each kind of user lands after logging in. */
export const HOME_BY_KIND: Record<OrgKind, string> = { buyer: '/', cooperative: '/coop', office: '/office' };

export const useAuthStore = defineStore('auth', () => {
  const user = ref<SessionUser | null>(null);
  let restoring: Promise<void> | null = null;

  onSessionChange((session) => {
    const was = user.value?.id;
    user.value = session?.user ?? null;
    if (was !== user.value?.id) live.reconnect();
  });

  /** On page load: the access token lives in memory only, so ask for one with the refresh cookie. */
  function restore(): Promise<void> {
    restoring ??= refreshSession().then(() => undefined);
    return restoring;
  }

  async function login(email: string, password: string): Promise<SessionUser> {
    const session = await authApi.login({ email, password });
    user.value = session.user;
    live.reconnect();
    return session.user;
  }

  async function logout() {
    try {
      await authApi.logout();
    } finally {
      user.value = null;
      live.reconnect();
    }
  }

  const home = computed(() => (user.value ? HOME_BY_KIND[user.value.org.kind] : '/'));
  const isManager = computed(() => user.value?.role === 'owner' || user.value?.role === 'manager');

  return { user, home, isManager, restore, login, logout };
});
