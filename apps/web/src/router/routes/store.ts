import type { RouteRecordRaw } from 'vue-router';
import type { OrgKind } from '@shanhai/domain';

const buyer = { requiresAuth: true, kinds: ['buyer'] as OrgKind[] };

/** The storefront: public browsing; buying needs a buyer login. */
export default [
  { path: '/', name: 'store-home', component: () => import('@/views/store/StoreHome.vue') },
  { path: '/products', name: 'catalog', component: () => import('@/views/store/CatalogView.vue') },
  { path: '/products/:id', name: 'product', component: () => import('@/views/store/ProductView.vue') },
  { path: '/cart', name: 'cart', component: () => import('@/views/store/CartView.vue'), meta: buyer },
  { path: '/checkout', name: 'checkout', component: () => import('@/views/store/CheckoutView.vue'), meta: buyer },
  { path: '/purchases', name: 'purchases', component: () => import('@/views/store/PurchaseList.vue'), meta: buyer },
  {
    path: '/purchases/:id',
    name: 'purchase',
    component: () => import('@/views/store/PurchaseDetail.vue'),
    meta: { requiresAuth: true, kinds: ['buyer', 'office'] as OrgKind[] },
  },
  /** The purchase order (采购单) to print. */
  {
    path: '/purchases/:id/print',
    name: 'purchase-print',
    component: () => import('@/views/store/PurchaseOrderPrint.vue'),
    meta: { requiresAuth: true, kinds: ['buyer', 'office'] as OrgKind[] },
  },
  {
    path: '/approvals',
    name: 'approvals',
    component: () => import('@/views/store/PurchaseList.vue'),
    meta: buyer,
    props: { approvals: true },
  },
  /** A partner unit's reserved share (预留份额): declaration, progress, pairings. */
  { path: '/unit', name: 'unit-console', component: () => import('@/views/units/UnitConsole.vue'), meta: buyer },
  /** The public, read-only leaderboard. */
  {
    path: '/leaderboard',
    name: 'public-leaderboard',
    component: () => import('@/views/leaderboard/LeaderboardView.vue'),
    props: { public: true },
  },
] satisfies RouteRecordRaw[];
