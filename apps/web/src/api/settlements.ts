import { z } from 'zod';
import {
  MyPayoutAccount,
  Payout,
  PayoutAccount,
  PayoutAccountChange,
  SettlementDetail,
  Settlement,
  Statement,
  StatementSummary,
  type MarkPayoutPaidRequest,
  type PayoutAccountRequest,
  type PayoutStatus,
  type SettlementRequest,
} from '@shanhai/domain';
import { download, getPage, http } from './http';

const Done = z.object({ ok: z.literal(true) });

export const myPayoutAccount = () => http.get('/payout-account', MyPayoutAccount);
export const requestPayoutAccount = (body: PayoutAccountRequest) => http.put('/payout-account', PayoutAccount, body);
export const payoutAccountChanges = (cursor?: string) =>
  getPage('/payout-accounts/changes', PayoutAccountChange, { cursor });
export const confirmPayoutAccount = (id: string) => http.post(`/payout-accounts/${id}/confirm`, PayoutAccount);
export const rejectPayoutAccount = (id: string, reason: string) =>
  http.post(`/payout-accounts/${id}/reject`, PayoutAccount, { reason });

export const settlements = (cursor?: string) => getPage('/settlements', Settlement, { cursor });
export const settlementStatements = (id: string, cursor?: string) =>
  getPage(`/settlements/${id}/statements`, StatementSummary, { cursor });
export const settlementPayouts = (id: string, cursor?: string) =>
  getPage(`/settlements/${id}/payouts`, Payout, { cursor });
export const runSettlement = (body: SettlementRequest) =>
  http.post('/settlements', SettlementDetail, body, { 'idempotency-key': crypto.randomUUID() });
export const voidSettlement = (id: string, reason: string) => http.post(`/settlements/${id}/void`, Done, { reason });
/** Called from a view's template, which knip does not read: @public */
export const downloadBankFile = (s: { id: string; number: string }, format: 'xlsx' | 'csv') =>
  download(`/settlements/${s.id}/bank-file`, { format }, `批量付款-${s.number}.${format}`);

export const statements = (cursor?: string) => getPage('/statements', StatementSummary, { cursor });
export const statement = (id: string) => http.get(`/statements/${id}`, Statement);
/** Called from a view's template, which knip does not read: @public */
export const downloadStatement = (s: { id: string; settlementNumber: string }) =>
  download(`/statements/${s.id}/xlsx`, {}, `结算单-${s.settlementNumber}.xlsx`);

export const payouts = (status?: PayoutStatus, cursor?: string) => getPage('/payouts', Payout, { status, cursor });
export const markPayoutPaid = (id: string, body: MarkPayoutPaidRequest) =>
  http.post(`/payouts/${id}/mark-paid`, Done, body);
export const bouncePayout = (id: string, reason: string) => http.post(`/payouts/${id}/bounce`, Done, { reason });
