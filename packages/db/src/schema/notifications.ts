import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { orgs, users } from './identity';

/**
 * `off`: the recipient chose in-app only (or no mail server is configured); `pending`: the
 * email job will send it; `sent`; `failed`: every retry failed (the bell still shows it).
 */
export const emailStatus = pgEnum('email_status', ['off', 'pending', 'sent', 'failed']);

/**
 * The notifications outbox and the bell's list, one row per recipient. Rows are written in the
 * transaction of the event that causes them (`notify()` in packages/db), so a rollback tells
 * nobody and a commit always tells; the dispatcher then hands them to the live stream and email.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    /** The recipient's org at the time: notifications never cross into another org. */
    orgId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** A NotificationKind of packages/domain (text, so that a new kind needs no migration). */
    kind: text().notNull(),
    subjectType: text().notNull(),
    subjectId: text().notNull(),
    /** Values for the kind's text: names, references, amounts in fen. Never secrets. */
    params: jsonb().$type<Record<string, string | number | null>>().notNull(),
    /** The object's page: a path inside the web app. */
    link: text().notNull(),
    /** Names the event: the same event twice tells each recipient once. */
    eventKey: text().notNull(),
    readAt: timestamp({ withTimezone: true }),
    /** Set when the dispatcher has published it and enqueued its email; null rows wait for it. */
    dispatchedAt: timestamp({ withTimezone: true }),
    emailStatus: emailStatus().notNull(),
    /** A sender holds the email until then; an expired claim (a crashed worker) may be taken again. */
    emailClaimedUntil: timestamp({ withTimezone: true }),
    emailSentAt: timestamp({ withTimezone: true }),
    emailAttempts: integer().notNull().default(0),
    /** The mail server's last answer when sending failed (no secrets: SMTP replies only). */
    emailError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_user_event_key').on(t.userId, t.eventKey),
    index('notifications_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    index('notifications_unread_idx')
      .on(t.userId)
      .where(sql`${t.readAt} is null`),
    index('notifications_undispatched_idx')
      .on(t.createdAt)
      .where(sql`${t.dispatchedAt} is null`),
  ],
);

/** A user's choice per kind; a kind without a row takes the default (in-app and email). */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id),
    kind: text().notNull(),
    /** false: in-app only. Ignored for an owner's security notices, which always go by email. */
    email: boolean().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/** Why an account link was sent. */
export const accountTokenPurpose = pgEnum('account_token_purpose', ['password_reset', 'invitation']);

/**
 * Single-use links emailed for a forgotten password or an invitation. Only the SHA-256 of the
 * token is stored; the worker makes the token when it sends the email (so the token exists only
 * in that email) and stores its hash. A retry after a failed send makes a new one.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    purpose: accountTokenPurpose().notNull(),
    /** hex SHA-256 of the token in the email; null until the email job made it. */
    tokenHash: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    dispatchedAt: timestamp({ withTimezone: true }),
    emailClaimedUntil: timestamp({ withTimezone: true }),
    emailSentAt: timestamp({ withTimezone: true }),
    emailAttempts: integer().notNull().default(0),
    emailError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('account_tokens_hash_key').on(t.tokenHash),
    index().on(t.userId),
    index('account_tokens_undispatched_idx')
      .on(t.createdAt)
      .where(sql`${t.dispatchedAt} is null`),
  ],
);
