import type { RouteRecordRaw } from 'vue-router';

/** The storefront: public browsing; buying needs a buyer login. */
export default [
  { path: '/', name: 'store-home', component: () => import('@/views/store/StoreHome.vue') },
  { path: '/products', name: 'catalog', component: () => import('@/views/store/CatalogView.vue') },
  { path: '/products/:id', name: 'product', component: () => import('@/views/store/ProductView.vue') },
] satisfies RouteRecordRaw[];
