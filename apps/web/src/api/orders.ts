import { z } from 'zod';
import {
  CartImportResponse,
  CartResponse,
  Order,
  PaymentOptions,
  PaymentQueueItem,
  Purchase,
  PurchaseSummary,
  type CheckoutRequest,
} from '@shanhai/domain';
import { download, http } from './http';

export const getCart = () => http.get('/cart', CartResponse);
export const putCart = (lines: { productId: string; qty: number }[]) => http.put('/cart', CartResponse, { lines });
export const importCart = (csv: string) => http.post('/cart/import', CartImportResponse, { csv });
/** The idempotency key is made once per checkout attempt, so a retried click cannot buy twice. */
export const checkout = (body: CheckoutRequest, idempotencyKey: string) =>
  http.post('/purchases', Purchase, body, { 'idempotency-key': idempotencyKey });
export const purchases = (status?: string) => http.get('/purchases', z.array(PurchaseSummary), { status });
export const purchase = (id: string) => http.get(`/purchases/${id}`, Purchase);
export const decide = (id: string, decision: 'approve' | 'reject' | 'cancel', note?: string) =>
  http.post(`/purchases/${id}/${decision}`, Purchase, note ? { note } : {});
export const payTransfer = (id: string, amountFen: number, reference: string) =>
  http.post(`/purchases/${id}/pay`, Purchase, { amountFen, reference });
/** Creates (or gets back) the purchase's PaymentIntent; the answer carries its client secret. */
export const payCard = (id: string) => http.post(`/purchases/${id}/pay`, Purchase, {});
/** Whether card is offered, and the Stripe publishable key for Stripe.js. */
export const paymentOptions = () => http.get('/payments/options', PaymentOptions);
export const orders = (status?: string) => http.get('/orders', z.array(Order), { status });
export const order = (id: string) => http.get(`/orders/${id}`, Order);
export const orderAction = (
  id: string,
  action: 'ship' | 'deliver' | 'accept' | 'report' | 'cancel' | 'refund',
  body: Record<string, string> = {},
) => http.post(`/orders/${id}/${action}`, Order, body);
export const paymentQueue = (status?: string) => http.get('/payments', z.array(PaymentQueueItem), { status });
export const confirmTransfer = (purchaseId: string, amountFen: number) =>
  http.post(`/payments/${purchaseId}/confirm-transfer`, Purchase, { amountFen });
export const exportCsv = (path: '/purchases' | '/orders' | '/payments', filename: string, status?: string) =>
  download(path, { format: 'csv', status }, filename);
