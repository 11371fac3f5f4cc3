import type { RouteRecordRaw } from 'vue-router';

/** The cooperative console. */
export default [
  {
    path: '/coop',
    name: 'coop-home',
    component: () => import('@/views/coop/CoopHome.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/products',
    name: 'coop-products',
    component: () => import('@/views/coop/MyProducts.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/orders',
    name: 'coop-orders',
    component: () => import('@/views/coop/CoopOrders.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/orders/:id',
    name: 'coop-order',
    component: () => import('@/views/coop/CoopOrderDetail.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/orders/:id/delivery-note',
    name: 'coop-delivery-note',
    component: () => import('@/views/coop/DeliveryNote.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/balance',
    name: 'coop-balance',
    component: () => import('@/views/coop/CoopBalance.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/statements',
    name: 'coop-statements',
    component: () => import('@/views/coop/CoopStatements.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  {
    path: '/coop/statements/:id',
    name: 'coop-statement',
    component: () => import('@/views/settlements/StatementView.vue'),
    meta: { requiresAuth: true, kinds: ['cooperative'] },
  },
  // The payout-account security notice links here; the account sits on the statements page.
  { path: '/coop/payout-account', redirect: '/coop/statements' },
] satisfies RouteRecordRaw[];
