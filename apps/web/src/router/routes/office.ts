import type { RouteRecordRaw } from 'vue-router';

/** The command office console. */
export default [
  { path: '/office', name: 'office-home', component: () => import('@/views/office/OfficeHome.vue'), meta: { requiresAuth: true, kinds: ['office'] } },
  { path: '/office/payments', name: 'office-payments', component: () => import('@/views/office/PaymentQueue.vue'), meta: { requiresAuth: true, kinds: ['office'] } },
] satisfies RouteRecordRaw[];
