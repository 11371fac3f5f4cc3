import type { RouteRecordRaw } from 'vue-router';

/** The storefront: public browsing; buying needs a buyer login. */
export default [
  { path: '/', name: 'store-home', component: () => import('@/views/store/StoreHome.vue') },
  /** The public, read-only leaderboard. */
  { path: '/leaderboard', name: 'public-leaderboard', component: () => import('@/views/leaderboard/LeaderboardView.vue'), props: { public: true } },
] satisfies RouteRecordRaw[];
