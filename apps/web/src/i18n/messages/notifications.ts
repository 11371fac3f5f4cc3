import { NOTIFICATION_KIND_NAMES, NOTIFICATION_TEXTS } from '@shanhai/domain';

/**
 * The notifications' own words come from packages/domain (the worker's emails say the same),
 * keyed here as `notifications.kinds.<kind with _ for .>`; the bell and pages add theirs.
 */
function kinds(locale: 'zh-CN' | 'en') {
  return Object.fromEntries(
    NOTIFICATION_KIND_NAMES.map((k) => [k.replace(/\./g, '_'), { ...NOTIFICATION_TEXTS[locale][k] }]),
  );
}

export default {
  'zh-CN': {
    notifications: {
      kinds: kinds('zh-CN'),
      bell: '通知',
      bellUnread: '通知，{n} 条未读',
      unread: '{n} 条未读',
      markAllRead: '全部标为已读',
      viewAll: '查看全部',
      empty: '暂无通知',
      title: '通知',
      filterAll: '全部',
      filterUnread: '未读',
      settings: '通知设置',
      settingsTitle: '通知设置',
      settingsIntro: '每类通知都会出现在右上角的铃铛里；您可以选择是否同时发送邮件。',
      emailLanguage: '邮件语言',
      delivery: { in_app: '仅站内', email: '站内 + 邮件' },
      locked: '负责人必须接收的安全提醒',
      kindColumn: '通知类型',
      deliveryColumn: '接收方式',
      saved: '通知设置已保存',
    },
  },
  en: {
    notifications: {
      kinds: kinds('en'),
      bell: 'Notifications',
      bellUnread: 'Notifications, {n} unread',
      unread: '{n} unread',
      markAllRead: 'Mark all as read',
      viewAll: 'See all',
      empty: 'No notifications yet',
      title: 'Notifications',
      filterAll: 'All',
      filterUnread: 'Unread',
      settings: 'Notification settings',
      settingsTitle: 'Notification settings',
      settingsIntro:
        'Every notification appears under the bell at the top right; choose which ones also come by email.',
      emailLanguage: 'Email language',
      delivery: { in_app: 'In the app only', email: 'In the app and by email' },
      locked: 'A security notice every owner receives',
      kindColumn: 'Notification',
      deliveryColumn: 'Delivery',
      saved: 'Notification settings saved',
    },
  },
};
