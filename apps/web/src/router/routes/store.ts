import type { RouteRecordRaw } from 'vue-router';

/** The storefront: public browsing; buying needs a buyer login. */
export default [{ path: '/', name: 'store-home', component: () => import('@/views/store/StoreHome.vue') }] satisfies RouteRecordRaw[];
