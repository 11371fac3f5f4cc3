import {
  MarkReadResponse,
  NotificationPage,
  NotificationSettings,
  type PutNotificationSettings,
} from '@shanhai/domain';
import { http, request } from './http';

export const list = (q: { unread?: boolean; limit?: number; cursor?: string | null } = {}) =>
  http.get('/notifications', NotificationPage, {
    unread: q.unread ? 'true' : undefined,
    limit: q.limit,
    cursor: q.cursor ?? undefined,
  });
export const markRead = (id: string) => http.post(`/notifications/${id}/read`, MarkReadResponse);
export const markAllRead = () => http.post('/notifications/read', MarkReadResponse, { all: true });
export const settings = () => http.get('/me/notification-settings', NotificationSettings);
export const putSettings = (body: PutNotificationSettings) =>
  request('PUT', '/me/notification-settings', NotificationSettings, { body });
