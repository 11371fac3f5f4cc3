import {
  CartImportResponse,
  CartResponse,
  Order,
  PaymentOptions,
  PaymentQueueItem,
  Purchase,
  PurchaseSummary,
  QueueCount,
  type CheckoutRequest,
} from '@shanhai/domain';
import { download, getPage, http } from './http';

export const getCart = () => http.get('/cart', CartResponse);
export const putCart = (lines: { productId: string; qty: number }[]) => http.put('/cart', CartResponse, { lines });
export const importCart = (csv: string) => http.post('/cart/import', CartImportResponse, { csv });
/** The idempotency key is made once per checkout attempt, so a retried click cannot buy twice. */
export const checkout = (body: CheckoutRequest, idempotencyKey: string) =>
  http.post('/purchases', Purchase, body, { 'idempotency-key': idempotencyKey });
/** One page of the org's purchases (the next page from `cursor`). */
export const purchases = (status?: string, cursor?: string) =>
  getPage('/purchases', PurchaseSummary, { status, cursor });
export const purchase = (id: string) => http.get(`/purchases/${id}`, Purchase);
export const decide = (id: string, decision: 'approve' | 'reject' | 'cancel', note?: string) =>
  http.post(`/purchases/${id}/${decision}`, Purchase, note ? { note } : {});
export const payTransfer = (id: string, amountFen: number, reference: string) =>
  http.post(`/purchases/${id}/pay`, Purchase, { amountFen, reference });
/** Creates (or gets back) the purchase's PaymentIntent; the answer carries its client secret. */
export const payCard = (id: string) => http.post(`/purchases/${id}/pay`, Purchase, {});
/** Whether card is offered, and the Stripe publishable key for Stripe.js. */
export const paymentOptions = () => http.get('/payments/options', PaymentOptions);
export const orders = (status?: string, cursor?: string) => getPage('/orders', Order, { status, cursor });
export const order = (id: string) => http.get(`/orders/${id}`, Order);
export const orderAction = (
  id: string,
  action: 'ship' | 'deliver' | 'accept' | 'report' | 'cancel' | 'refund',
  body: Record<string, string> = {},
) => http.post(`/orders/${id}/${action}`, Order, body);
export const paymentQueue = (cursor?: string) => getPage('/payments', PaymentQueueItem, { cursor });
/** How many transfers wait for confirmation: the whole queue, not a page of it. */
export const paymentQueueCount = () => http.get('/payments/count', QueueCount);
export const confirmTransfer = (purchaseId: string, amountFen: number) =>
  http.post(`/payments/${purchaseId}/confirm-transfer`, Purchase, { amountFen });
/** Called from a view's template, which knip does not read: @public */
export const exportCsv = (path: '/purchases' | '/orders' | '/payments', filename: string, status?: string) =>
  download(path, { format: 'csv', status }, filename);
