import { z } from 'zod';
import { NOTIFICATION_KIND_NAMES, type NotificationKind } from '../notifications';
import { pgString } from '../storage';

export const NotificationKindSchema = z.enum(NOTIFICATION_KIND_NAMES as [NotificationKind, ...NotificationKind[]]);

/** The reader's language, for emails (the web follows the browser's choice). */
export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

export const NotificationItem = z.object({
  id: z.uuid(),
  kind: NotificationKindSchema,
  /** Filled into the kind's text; see `textParams` in notifications.ts. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /** The page of the object, a path inside the web app. */
  link: z.string(),
  readAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type NotificationItem = z.infer<typeof NotificationItem>;

/** The most a page of notifications holds; `limit` above it is a 400. */
export const MAX_NOTIFICATIONS_PAGE = 100;

export const NotificationListQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_NOTIFICATIONS_PAGE).default(20),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: pgString().max(200).optional(),
});
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const NotificationPage = z.object({
  items: z.array(NotificationItem),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
  unreadCount: z.number().int(),
});
export type NotificationPage = z.infer<typeof NotificationPage>;

export const UnreadCount = z.object({ unreadCount: z.number().int() });
export type UnreadCount = z.infer<typeof UnreadCount>;

export const MarkReadResponse = z.object({ marked: z.number().int(), unreadCount: z.number().int() });
export type MarkReadResponse = z.infer<typeof MarkReadResponse>;

/** Per kind: `in_app` (the bell only) or `email` (the bell and an email). */
export const DeliveryChoice = z.enum(['in_app', 'email']);
export type DeliveryChoice = z.infer<typeof DeliveryChoice>;

export const NotificationPreference = z.object({
  kind: NotificationKindSchema,
  delivery: DeliveryChoice,
  /** An owner's security notices always go by email: the choice is shown, not changeable. */
  locked: z.boolean(),
});
export type NotificationPreference = z.infer<typeof NotificationPreference>;

export const NotificationSettings = z.object({
  locale: Locale,
  preferences: z.array(NotificationPreference),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

export const PutNotificationSettings = z.strictObject({
  locale: Locale.optional(),
  preferences: z
    .array(z.strictObject({ kind: NotificationKindSchema, delivery: DeliveryChoice }))
    .max(NOTIFICATION_KIND_NAMES.length)
    .optional(),
});
export type PutNotificationSettings = z.infer<typeof PutNotificationSettings>;

/** What the live stream says to a signed-in tab when something new arrived: ids only, no content. */
export const NotificationPing = z.object({ unreadCount: z.number().int().optional() });
