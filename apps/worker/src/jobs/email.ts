import { UnrecoverableError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import {
  claimAccountEmail,
  claimNotificationEmails,
  markAccountEmailSent,
  markNotificationEmailsSent,
  newAccountToken,
  releaseAccountEmail,
  releaseNotificationEmail,
  type Db,
  type NotificationEmail,
} from '@shanhai/db';
import { EmailJob } from '@shanhai/domain';
import { renderAccountEmail, renderNotificationEmail } from '../email/render';
import type { Logger } from '../log';

export interface EmailDeps {
  db: Db;
  mailer: Transporter;
  from: string;
  appUrl: string;
  log: Logger;
}

/** The mail server's answer, without anything that could carry a secret (the message is ours). */
function reason(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  return [e.code, e.responseCode, e.response ?? e.message].filter(Boolean).join(' ').slice(0, 500);
}

/** The last try of this job: after it the email is recorded as failed. */
function isFinalAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** What every email of ours carries: our sender, the person by name, the rendered subject and bodies. */
function message(
  deps: EmailDeps,
  to: { name: string; to: string },
  mail: { subject: string; text: string; html: string },
) {
  return {
    from: deps.from,
    to: { name: to.name, address: to.to },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
  };
}

/** Hands one notification's email to the mail server; resolves once the server accepted it. */
async function sendNotificationEmail(deps: EmailDeps, n: NotificationEmail): Promise<void> {
  const mail = renderNotificationEmail(n, deps.appUrl);
  await deps.mailer.sendMail({
    ...message(deps, n, mail),
    // The same notification keeps its Message-ID, so a receiving server can drop a duplicate.
    messageId: `<notification-${n.id}@shanhai-market>`,
    headers: { 'X-Shanhai-Kind': n.kind },
    list: { unsubscribe: `${deps.appUrl}/account/notifications` },
  });
}

/**
 * Sends several notifications' emails: one claim, the messages at once (the pool queues them),
 * one `sent` mark for those the server accepted. The others are released and the job throws, so
 * BullMQ retries it with backoff, and the retry claims only what is still unsent.
 */
async function processNotificationEmails(
  deps: EmailDeps,
  job: Pick<Job, 'attemptsMade' | 'opts'>,
  ids: string[],
): Promise<{ sent: boolean }> {
  const claimed = await claimNotificationEmails(deps.db, ids);
  if (claimed.length === 0) return { sent: false };
  const outcomes = await Promise.allSettled(claimed.map((n) => sendNotificationEmail(deps, n)));
  const sent = claimed.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((n) => n.id);
  await markNotificationEmailsSent(deps.db, sent);
  const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ id: claimed[i]!.id, err: o.reason }] : []));
  if (failures.length === 0) return { sent: true };
  const final = isFinalAttempt(job);
  for (const f of failures) await releaseNotificationEmail(deps.db, f.id, reason(f.err), final);
  throw failures[0]!.err;
}

/**
 * Sends a notification's email (or several) or an account link's, at most once per notification
 * or link: the row is claimed before sending and marked sent after, so a second job for it (a
 * duplicate, a retry after success) finds nothing to do. A failure releases the claim and throws,
 * and BullMQ retries with backoff.
 */
export async function processEmail(
  deps: EmailDeps,
  job: Pick<Job, 'data' | 'id' | 'attemptsMade' | 'opts'>,
): Promise<{ sent: boolean }> {
  const parsed = EmailJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed email job ${job.id}: ${parsed.error.message}`);
  const data = parsed.data;
  if ('notificationIds' in data) return processNotificationEmails(deps, job, data.notificationIds);
  // The one-id shape of jobs queued before notifications were batched: a batch of one.
  if ('notificationId' in data) return processNotificationEmails(deps, job, [data.notificationId]);
  const { token, hash } = newAccountToken();
  const a = await claimAccountEmail(deps.db, data.accountTokenId, hash);
  if (!a) return { sent: false };
  const mail = renderAccountEmail(a, token, deps.appUrl);
  try {
    await deps.mailer.sendMail(message(deps, a, mail));
  } catch (err) {
    await releaseAccountEmail(deps.db, a.id, reason(err));
    throw err;
  }
  await markAccountEmailSent(deps.db, a.id);
  return { sent: true };
}
