import { Invoice, InvoiceBacklogItem, QueueCount, type InvoiceRequestBody } from '@shanhai/domain';
import { ApiError, download, getPage, http, request } from './http';

/** The order's invoice, or null when none was requested (404). */
export async function invoiceOf(orderId: string): Promise<Invoice | null> {
  try {
    return await http.get(`/orders/${orderId}/invoice`, Invoice);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
export const requestInvoice = (orderId: string, body: InvoiceRequestBody) =>
  http.post(`/orders/${orderId}/invoice`, Invoice, body);
export const backlog = (cursor?: string) => getPage('/invoices/backlog', InvoiceBacklogItem, { cursor });
/** How many invoices the backlog holds: all of them, not a page. */
export const backlogCount = () => http.get('/invoices/backlog/count', QueueCount);

/** The seller's upload: the text fields go first, so the server reads them before the file. */
export function uploadInvoice(id: string, red: boolean, fields: { invoiceNo: string; amountFen: number }, file: File) {
  const form = new FormData();
  form.append('invoiceNo', fields.invoiceNo);
  form.append('amountFen', String(fields.amountFen));
  form.append('file', file);
  return request('POST', `/invoices/${id}/${red ? 'red-letter' : 'issue'}`, Invoice, { form });
}

/** Saves an invoice file (the url the api gave, under /api/v1). */
export const downloadDocument = (url: string, filename: string) =>
  download(url.replace(/^\/api\/v1/, ''), {}, filename);
