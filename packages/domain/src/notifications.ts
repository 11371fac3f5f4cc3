import type { OrgKind } from './contracts/identity';

/**
 * What people are told about (issue 17). Each kind names its audience (the org kind whose people
 * receive it), its texts (notification-texts.ts) and whether email is on by default. A kind is
 * stored as text, so adding one needs no migration: add it here, with its texts, and call
 * `notify()` from packages/db in the transaction of the event.
 */
export const NOTIFICATION_KINDS = {
  // Cooperative
  'order.paid': { audience: ['cooperative'] },
  'order.accepted': { audience: ['cooperative'] },
  'order.disputed': { audience: ['cooperative'] },
  'listing.approved': { audience: ['cooperative'] },
  'listing.rejected': { audience: ['cooperative'] },
  'settlement.issued': { audience: ['cooperative'] },
  'payout.paid': { audience: ['cooperative'] },
  'payout.bounced': { audience: ['cooperative'] },
  'invoice.requested': { audience: ['cooperative'] },
  // Buyer
  'purchase.approval_needed': { audience: ['buyer'] },
  'purchase.approved': { audience: ['buyer'] },
  'purchase.rejected': { audience: ['buyer'] },
  'payment.confirmed': { audience: ['buyer'] },
  'order.shipped': { audience: ['buyer'] },
  'order.delivered': { audience: ['buyer'] },
  'order.auto_accept_soon': { audience: ['buyer'] },
  'purchase.expiring': { audience: ['buyer'] },
  'purchase.expired': { audience: ['buyer'] },
  'invoice.issued': { audience: ['buyer'] },
  'reserved_share.behind': { audience: ['buyer'] },
  'digest.buyer_monthly': { audience: ['buyer'] },
  // Office
  'org.review_needed': { audience: ['office'] },
  'listing.review_needed': { audience: ['office'] },
  'payment.to_confirm': { audience: ['office'] },
  'statement.unmatched': { audience: ['office'] },
  'offline.approval_needed': { audience: ['office'] },
  'tally.drift': { audience: ['office'] },
  'journal.drift': { audience: ['office'] },
  'digest.office_weekly': { audience: ['office'] },
  // Security notices: owners always get them by email, whatever their preferences say.
  'security.member_added': { audience: ['buyer', 'cooperative', 'office'], security: true },
  'security.member_role_changed': { audience: ['buyer', 'cooperative', 'office'], security: true },
  'security.member_removed': { audience: ['buyer', 'cooperative', 'office'], security: true },
  'security.payout_account_changed': { audience: ['cooperative'], security: true },
} as const satisfies Record<string, { audience: readonly OrgKind[]; security?: true }>;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;
export const NOTIFICATION_KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as NotificationKind[];

export function isNotificationKind(s: string): s is NotificationKind {
  return Object.hasOwn(NOTIFICATION_KINDS, s);
}

/** Kinds an owner cannot turn email off for (a new member, a changed payout account). */
export function isSecurityKind(kind: NotificationKind): boolean {
  return 'security' in NOTIFICATION_KINDS[kind];
}

/** The kinds people of an org of this kind can receive (the preferences page lists these). */
export function kindsFor(orgKind: OrgKind): NotificationKind[] {
  return NOTIFICATION_KIND_NAMES.filter((k) =>
    (NOTIFICATION_KINDS[k].audience as readonly OrgKind[]).includes(orgKind),
  );
}

/**
 * Values a notification's text is filled with: strings and whole numbers only, never secrets.
 * Two conventions let one stored value read well in both languages:
 * - a name ending in `Fen` is money in fen, shown as `amount` (e.g. `totalFen` fills `{total}`);
 * - a pair `xZh` / `xEn` fills `{x}` in the reader's language (`xZh` when `xEn` is missing).
 */
export type NotificationParams = Record<string, string | number | null>;

/** The placeholders of a text filled from stored params, in the reader's language. */
export function textParams(
  params: NotificationParams,
  locale: 'zh-CN' | 'en',
  formatFen: (fen: number) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === null) continue;
    if (k.endsWith('Fen') && typeof v === 'number') out[k.slice(0, -3)] = formatFen(v);
    else if (k.endsWith('Zh')) {
      const base = k.slice(0, -2);
      const en = params[`${base}En`];
      out[base] = String(locale === 'en' && en ? en : v);
    } else if (!k.endsWith('En')) out[k] = String(v);
  }
  // Order notifications written before they carried the order's number name the purchase instead.
  if (out.orderNo === undefined && out.ref !== undefined) out.orderNo = out.ref;
  return out;
}

/** Fills `{name}` placeholders; an unknown one is left visible rather than silently dropped. */
export function fillText(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => values[name] ?? m);
}
