import { z } from 'zod';
import {
  BankStatement,
  BankStatementResult,
  BankTransaction,
  TransferCandidate,
  type BankTransactionQuery,
  type TransferCandidateQuery,
} from '@shanhai/domain';
import { getPage, http, request } from './http';

/** The platform account's statement: preview (dryRun) or commit. */
export function uploadStatement(file: File, dryRun: boolean) {
  const form = new FormData();
  form.append('file', file);
  return request('POST', '/bank-statements', BankStatementResult, { form, query: { dryRun } });
}
export const statements = (cursor?: string) => getPage('/bank-statements', BankStatement, { cursor });
export const transactions = (q: BankTransactionQuery, cursor?: string) =>
  getPage('/bank-transactions', BankTransaction, { ...q, cursor });
export const candidates = (q: Partial<TransferCandidateQuery>, cursor?: string) =>
  getPage('/bank-transactions/candidates', TransferCandidate, { ...q, cursor });
export const match = (id: string, purchaseId: string) =>
  http.post(`/bank-transactions/${id}/match`, z.object({ confirmed: z.boolean(), transaction: BankTransaction }), {
    purchaseId,
  });
export const decide = (id: string, action: 'refund' | 'ignore', reason: string) =>
  http.post(`/bank-transactions/${id}/${action}`, BankTransaction, { reason });
