import type { RouteRecordRaw } from 'vue-router';

/** Login, sign-up and account pages shared by every kind of user. */
export default [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { layout: 'bare' } },
  { path: '/signup', name: 'signup', component: () => import('@/views/SignupView.vue'), meta: { layout: 'bare' } },
  // Reached from the login page and from emailed links (the token rides in the fragment).
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('@/views/account/ForgotPasswordView.vue'),
    meta: { layout: 'bare' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('@/views/account/SetPasswordView.vue'),
    meta: { layout: 'bare' },
  },
  {
    path: '/welcome',
    name: 'welcome',
    component: () => import('@/views/account/SetPasswordView.vue'),
    meta: { layout: 'bare' },
  },
  {
    path: '/account/password',
    name: 'change-password',
    component: () => import('@/views/account/ChangePasswordView.vue'),
    meta: { requiresAuth: true },
  },
  {
    path: '/account/members',
    name: 'members',
    component: () => import('@/views/account/MembersView.vue'),
    meta: { requiresAuth: true, managerOnly: true },
  },
  {
    path: '/account/org',
    name: 'org-settings',
    component: () => import('@/views/account/OrgSettingsView.vue'),
    meta: { requiresAuth: true },
  },
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('@/views/notifications/NotificationsView.vue'),
    meta: { requiresAuth: true },
  },
  {
    path: '/account/notifications',
    name: 'notification-settings',
    component: () => import('@/views/account/NotificationSettingsView.vue'),
    meta: { requiresAuth: true },
  },
] satisfies RouteRecordRaw[];
