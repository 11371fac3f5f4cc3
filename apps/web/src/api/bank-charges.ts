import { BankCharge, type BankChargeRequest } from '@shanhai/domain';
import { getPage, http } from './http';

/** Charges the bank took outside payouts, newest booking first, a page at a time (office). */
export const bankCharges = (cursor?: string) => getPage('/bank-charges', BankCharge, { cursor });
/** Records one (office owner or manager); the same bank transaction id again answers the charge recorded first. */
export const recordBankCharge = (body: BankChargeRequest) => http.post('/bank-charges', BankCharge, body);
