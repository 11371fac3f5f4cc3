import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { isSecurityKind, type NotificationKind, type NotificationParams, type Role } from '@shanhai/domain';
import { anyOf, type Db, type DbOrTx } from './client';

export interface NotifyInput {
  kind: NotificationKind;
  /** The org whose people are told. Recipients are only ever this org's active users. */
  orgId: string;
  /** Only users with these roles (e.g. approvers: owner and manager); everyone in the org when omitted. */
  roles?: Role[];
  /** Only these users (e.g. the purchaser), still within `orgId` and active. */
  userIds?: string[];
  /** The user who caused the event is not told about their own action. */
  exceptUserId?: string | null;
  /** The object the notification is about. */
  subject: { type: string; id: string };
  /** The object's page in the web app, as seen by the recipients (e.g. `/coop/orders/<id>`). */
  link: string;
  /** Values for the kind's text (see notification-texts.ts): names, references, fen. No secrets. */
  params: NotificationParams;
  /**
   * Names the event, so the same event twice tells each recipient once: `<kind>:<subject id>`
   * by default. Pass your own where one subject can have the event again (a listing rejected,
   * fixed, rejected again: add the revision).
   */
  eventKey?: string;
}

/**
 * Tells the people of one org about an event: call it INSIDE the transaction of the event, so a
 * rollback tells nobody and a commit always tells (invariant 9). It only inserts rows (the
 * outbox); the worker's dispatcher publishes them to the web's live stream and sends the emails
 * (after commit, within about a second; call `app.queues.notifySoon()` after commit in the api
 * to make it sooner). Returns how many people were told (0 for a repeated event).
 *
 * Example, in a service:
 *   await notify(tx, { kind: 'order.paid', orgId: order.cooperativeId, subject: { type: 'order', id: order.id },
 *     link: `/coop/orders/${order.id}`, params: { buyer: buyerName, ref, totalFen: order.totalFen } });
 */
export async function notify(tx: DbOrTx, input: NotifyInput): Promise<number> {
  return notifyMany(tx, [input]);
}

/**
 * notify() for many events at once (a bank statement confirming a thousand transfers), in one
 * statement: the same recipients, preferences and event keys as one call per event, in the order
 * given. Returns how many people were told in all.
 */
export async function notifyMany(tx: DbOrTx, inputs: NotifyInput[]): Promise<number> {
  const items = inputs
    .filter((i) => !(i.userIds && i.userIds.length === 0))
    .map((i) => ({
      kind: i.kind,
      org_id: i.orgId,
      roles: i.roles && i.roles.length > 0 ? i.roles : null,
      user_ids: i.userIds ?? null,
      except_user_id: i.exceptUserId ?? null,
      subject_type: i.subject.type,
      subject_id: i.subject.id,
      params: i.params,
      link: i.link,
      event_key: i.eventKey ?? `${i.kind}:${i.subject.id}`,
      // An owner's security notices go by email whatever the preference says.
      force_owner_email: isSecurityKind(i.kind),
    }));
  if (items.length === 0) return 0;
  // The insert is `shanhai_notify` (migration 0039), whose plan PL/pgSQL keeps per connection.
  const res = await tx.execute<{ told: number }>(sql`select shanhai_notify(${JSON.stringify(items)}::jsonb) as told`);
  return res.rows[0]!.told;
}

/** A committed notification or account link waiting to be handed on. */
export interface Undispatched {
  notifications: { id: string; userId: string; email: boolean }[];
  accountTokens: { id: string }[];
}

/** Rows a dispatch takes at once: one Redis round trip of email jobs, a short transaction. */
export const DISPATCH_BATCH_SIZE = 1_000;

/**
 * Hands on one batch of committed, undispatched rows: `handOn` publishes and enqueues them, and
 * only if it succeeds are they marked dispatched, in the same transaction. The rows are locked
 * (SKIP LOCKED: two dispatchers take different rows); if Redis is down `handOn` throws, the
 * transaction rolls back and the rows wait for the next sweep. A commit that fails after
 * `handOn` leaves them to be handed on again, which the email job's own guard makes harmless.
 */
export async function dispatchBatch(
  db: Db,
  handOn: (batch: Undispatched) => Promise<void>,
  options: { limit?: number; emailEnabled?: boolean } = {},
): Promise<number> {
  const limit = options.limit ?? DISPATCH_BATCH_SIZE;
  const emailEnabled = options.emailEnabled ?? true;
  return db.transaction(async (tx) => {
    // Both outboxes in one round trip (a dispatch that finds nothing, the common sweep, costs one).
    const taken = await tx.execute<{
      t: 'n' | 'a';
      id: string;
      user_id: string | null;
      email_status: string | null;
    }>(sql`
      with n as (
        select id, user_id, email_status from notifications where dispatched_at is null
        order by created_at limit ${limit} for update skip locked
      ), a as (
        select id from account_tokens where dispatched_at is null
        order by created_at limit ${limit} for update skip locked
      )
      select 'n' as t, id, user_id, email_status::text from n
      union all select 'a', id, null, null from a`);
    const n = taken.rows.filter((r) => r.t === 'n');
    const a = taken.rows.filter((r) => r.t === 'a');
    if (n.length === 0 && a.length === 0) return 0;
    await handOn({
      notifications: n.map((r) => ({
        id: r.id,
        userId: r.user_id!,
        email: emailEnabled && r.email_status === 'pending',
      })),
      accountTokens: a.map((r) => ({ id: r.id })),
    });
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    if (n.length > 0)
      // Without a mail server (no SMTP_URL) the bell still tells; the email is recorded as not sent.
      await tx.execute(sql`update notifications set dispatched_at = now(),
          email_status = case when ${emailEnabled} then email_status else 'off'::email_status end
        where ${anyOf(sql`id`, ids(n), 'uuid')}`);
    if (a.length > 0)
      await tx.execute(sql`update account_tokens set dispatched_at = now()
        where ${anyOf(sql`id`, ids(a), 'uuid')}`);
    return n.length + a.length;
  });
}

/** How long a sender holds an email before another may try (a crashed worker's claim runs out). */
export const EMAIL_CLAIM_MS = 120_000;

export interface NotificationEmail {
  id: string;
  kind: string;
  params: Record<string, string | number | null>;
  link: string;
  createdAt: Date;
  to: string;
  name: string;
  locale: 'zh-CN' | 'en';
}

/**
 * Takes notifications' emails for sending, an email job's batch in one statement: the rows
 * returned are claimed; an id missing from the answer is sent already, not wanted, or held by
 * another sender right now. This row, not the job id, is what makes an email go once.
 */
export async function claimNotificationEmails(db: DbOrTx, ids: readonly string[]): Promise<NotificationEmail[]> {
  if (ids.length === 0) return [];
  const res = await db.execute<{
    id: string;
    kind: string;
    params: Record<string, string | number | null>;
    link: string;
    created_at: Date | string;
    email: string;
    name: string;
    locale: 'zh-CN' | 'en';
  }>(sql`
    update notifications n set email_claimed_until = now() + ${`${EMAIL_CLAIM_MS} milliseconds`}::interval,
      email_attempts = n.email_attempts + 1
    from users u
    where ${anyOf(sql`n.id`, ids, 'uuid')} and u.id = n.user_id and n.email_status = 'pending'
      and (n.email_claimed_until is null or n.email_claimed_until < now())
    returning n.id, n.kind, n.params, n.link, n.created_at, u.email, u.name, u.locale`);
  return res.rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    params: r.params,
    link: r.link,
    createdAt: new Date(r.created_at),
    to: r.email,
    name: r.name,
    locale: r.locale,
  }));
}

/** After the mail server accepted them (many in one statement). */
export async function markNotificationEmailsSent(db: DbOrTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update notifications set email_status = 'sent', email_sent_at = now(),
    email_claimed_until = null, email_error = null where ${anyOf(sql`id`, ids, 'uuid')}`);
}

/** After a failed try: released for the next retry, or `failed` for good after the last. */
export async function releaseNotificationEmail(db: DbOrTx, id: string, error: string, final: boolean): Promise<void> {
  await db.execute(sql`update notifications set email_claimed_until = null, email_error = ${error.slice(0, 500)},
    email_status = case when ${final} then 'failed'::email_status else email_status end
    where id = ${id} and email_status = 'pending'`);
}

export interface AccountEmail {
  id: string;
  purpose: 'password_reset' | 'invitation';
  expiresAt: Date;
  to: string;
  name: string;
  locale: 'zh-CN' | 'en';
  orgName: string;
}

/**
 * Takes an account link's email for sending and stores the hash of the token that email will
 * carry (made by the caller, never stored itself). Null when sent already, used, expired, or
 * held by another sender.
 */
export async function claimAccountEmail(db: DbOrTx, id: string, tokenHash: string): Promise<AccountEmail | null> {
  const res = await db.execute<{
    id: string;
    purpose: 'password_reset' | 'invitation';
    expires_at: Date | string;
    email: string;
    name: string;
    locale: 'zh-CN' | 'en';
    org_name: string;
  }>(sql`
    update account_tokens t set token_hash = ${tokenHash},
      email_claimed_until = now() + ${`${EMAIL_CLAIM_MS} milliseconds`}::interval,
      email_attempts = t.email_attempts + 1
    from users u join orgs o on o.id = u.org_id
    where t.id = ${id} and u.id = t.user_id and t.email_sent_at is null and t.used_at is null
      and t.expires_at > now() and (t.email_claimed_until is null or t.email_claimed_until < now())
    returning t.id, t.purpose, t.expires_at, u.email, u.name, u.locale, o.name as org_name`);
  const r = res.rows[0];
  if (!r) return null;
  return {
    id: r.id,
    purpose: r.purpose,
    expiresAt: new Date(r.expires_at),
    to: r.email,
    name: r.name,
    locale: r.locale,
    orgName: r.org_name,
  };
}

export async function markAccountEmailSent(db: DbOrTx, id: string): Promise<void> {
  await db.execute(sql`update account_tokens set email_sent_at = now(), email_claimed_until = null,
    email_error = null where id = ${id}`);
}

/** The token of a failed send never reached anyone: forget its hash so it can never be used. */
export async function releaseAccountEmail(db: DbOrTx, id: string, error: string): Promise<void> {
  await db.execute(sql`update account_tokens set email_claimed_until = null, token_hash = null,
    email_error = ${error.slice(0, 500)} where id = ${id} and email_sent_at is null`);
}

/** hex SHA-256 of an account link's token: what is stored and looked up, never the token. */
export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new account link token (32 random bytes, base64url: 43 characters) and its hash. */
export function newAccountToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashAccountToken(token) };
}
