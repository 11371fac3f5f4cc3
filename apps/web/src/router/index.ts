import { createRouter, createWebHistory } from 'vue-router';
import type { OrgKind } from '@shanhai/domain';
import { useAuthStore } from '@/stores/auth';
import coop from './routes/coop';
import core from './routes/core';
import office from './routes/office';
import store from './routes/store';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page needs a logged-in user. */
    requiresAuth?: boolean;
    /** Only these org kinds may open it; others are sent to their own console. */
    kinds?: OrgKind[];
    /** Owners and managers only. */
    managerOnly?: boolean;
    /** `bare`: no header (login, sign-up, the wall screen). */
    layout?: 'bare';
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [...core, ...store, ...coop, ...office, { path: '/:pathMatch(.*)*', redirect: '/' }],
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach(async (to) => {
  const auth = useAuthStore();
  await auth.restore();
  if (to.name === 'login' && auth.user) return auth.home;
  if (!to.meta.requiresAuth) return true;
  if (!auth.user) return { name: 'login', query: { redirect: to.fullPath } };
  if (to.meta.kinds && !to.meta.kinds.includes(auth.user.org.kind)) return auth.home;
  if (to.meta.managerOnly && !auth.isManager) return auth.home;
  return true;
});
