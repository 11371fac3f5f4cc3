import type { RouteRecordRaw } from 'vue-router';

/** The command office console. */
export default [
  {
    path: '/office',
    name: 'office-home',
    component: () => import('@/views/office/OfficeHome.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/money',
    name: 'office-money',
    component: () => import('@/views/office/MoneyView.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/settlements',
    name: 'office-settlements',
    component: () => import('@/views/office/SettlementsView.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/statements/:id',
    name: 'office-statement',
    component: () => import('@/views/settlements/StatementView.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/payments',
    name: 'office-payments',
    component: () => import('@/views/office/PaymentQueue.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/bank',
    name: 'office-bank',
    component: () => import('@/views/office/BankMatching.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/invoices',
    name: 'office-invoices',
    component: () => import('@/views/office/InvoiceBacklog.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/leaderboard',
    name: 'office-leaderboard',
    component: () => import('@/views/leaderboard/LeaderboardView.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/wall',
    name: 'office-wall',
    component: () => import('@/views/leaderboard/BigScreen.vue'),
    meta: { requiresAuth: true, kinds: ['office'], layout: 'bare' },
  },
  {
    path: '/office/towns/:id',
    name: 'town-dashboard',
    component: () => import('@/views/leaderboard/TownDashboard.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/sales',
    name: 'office-sales',
    component: () => import('@/views/sales/SalesOpsView.vue'),
    meta: { requiresAuth: true, kinds: ['office', 'buyer'] },
  },
  {
    path: '/office/units',
    name: 'office-units',
    component: () => import('@/views/units/UnitRanking.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/units/reports',
    name: 'office-unit-reports',
    component: () => import('@/views/units/UnitReports.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/units/classify',
    name: 'office-unit-classify',
    component: () => import('@/views/units/UnitClassify.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/pairings',
    name: 'office-pairings',
    component: () => import('@/views/units/PairingsView.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/units/:id',
    name: 'office-unit',
    component: () => import('@/views/units/UnitConsole.vue'),
    meta: { requiresAuth: true, kinds: ['office'] },
  },
  {
    path: '/office/audit',
    name: 'office-audit',
    component: () => import('@/views/office/AuditLogView.vue'),
    meta: { requiresAuth: true, kinds: ['office'], managerOnly: true },
  },
] satisfies RouteRecordRaw[];
