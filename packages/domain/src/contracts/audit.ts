import { z } from 'zod';
import { IsoDate } from '../dates';
import { pgString } from '../storage';

/**
 * Every action the audit log records: money-moving and access-changing steps. Writers are typed
 * against this list, so the office page can name each one in both languages and filter by it.
 */
export const AUDIT_ACTIONS = [
  'org.sign_up',
  'org.update',
  'org.address_add',
  'org.address_update',
  'org.address_remove',
  'org.address_default',
  'org.activate',
  'org.reject',
  'org.suspend',
  'member.invite',
  'member.deactivate',
  'member.reactivate',
  'member.role',
  'member.remove',
  'account.password_change',
  'account.password_reset',
  'account.invitation_accept',
  'product.create',
  'product.update',
  'product.stock',
  'product.submit',
  'product.approve',
  'product.reject',
  'product.delist',
  'product.relist',
  'town_target.set',
  'pairing.create',
  'pairing.delete',
  'pledge.create',
  'pairing.update',
  'unit.classify',
  'unit_settings.set',
  'declaration.save',
  'declaration.submit',
  'declaration.approve',
  'declaration.return',
  'offline_sale.record',
  'offline_sale.approve',
  'offline_sale.reject',
  'offline_sale.reverse',
  'sales.import',
  'purchase.approve',
  'purchase.reject',
  'purchase.cancel',
  'payment.confirm_transfer',
  'payment.card_paid',
  'bank_statement.upload',
  'bank_transaction.match',
  'bank_transaction.mark_refund',
  'bank_transaction.ignore',
  'order.cancel',
  'order.refund',
  'fee_rate.set',
  'money_settings.set',
  'payout_account.request',
  'payout_account.confirm',
  'payout_account.reject',
  'settlement.create',
  'settlement.void',
  'payout.paid',
  'payout.bounce',
  'bank_charge.record',
  'invoice.request',
  'invoice.issue',
  'invoice.red_letter_required',
  'invoice.red_letter',
  'campaign.create',
  'campaign.update',
  'campaign.delete',
  'unit_snapshot.create',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  /** The object as people know it (a product's name, an order's number), in both languages; null where the log can only give its id. */
  entityName: z.object({ zh: z.string(), en: z.string() }).nullable(),
  actor: z.object({ userId: z.uuid(), name: z.string(), email: z.string() }).nullable(),
  actorOrg: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  note: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Filters of the audit log; dates are business days (Asia/Shanghai), both ends included. */
export const AuditFilter = z.strictObject({
  /** Part of the actor's name or email. */
  actor: pgString().trim().min(1).max(100).optional(),
  action: AuditAction.optional(),
  entityType: pgString().trim().min(1).max(40).optional(),
  entityId: pgString().trim().min(1).max(100).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export const AuditQuery = AuditFilter.extend({
  cursor: pgString().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
