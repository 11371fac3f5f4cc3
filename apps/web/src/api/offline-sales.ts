import {
  OfflineSale,
  OfflineSalePage,
  QueueCount,
  type CreateOfflineSaleRequest,
  type OfflineSaleStatus,
} from '@shanhai/domain';
import { download, http, request } from './http';

/** One page of offline records, newest first (`limit` up to the api's cap). */
export const offlineSales = (status?: OfflineSaleStatus, cursor?: string, limit?: number) =>
  http.get('/sales/offline', OfflineSalePage, { status, cursor, limit });
export const recordOffline = (body: CreateOfflineSaleRequest, idempotencyKey: string) =>
  http.post('/sales/offline', OfflineSale, body, { 'idempotency-key': idempotencyKey });
export const approveOffline = (id: string) => http.post(`/sales/offline/${id}/approve`, OfflineSale);
export const rejectOffline = (id: string, reason: string) =>
  http.post(`/sales/offline/${id}/reject`, OfflineSale, { reason });
export const reverseOffline = (id: string, reason: string) =>
  http.post(`/sales/offline/${id}/reverse`, OfflineSale, { reason });
export function addEvidence(id: string, file: File) {
  const form = new FormData();
  form.append('file', file);
  return request('POST', `/sales/offline/${id}/evidence`, OfflineSale, { form });
}
const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};
/**
 * Evidence is private: fetched with the token (never a public link) and saved. Called from a view's
 * template, which knip does not read: @public
 */
export const downloadEvidence = (f: { url: string; mime: string }, name: string) =>
  download(f.url.replace(/^\/api\/v1/, ''), {}, `${name}.${EXT[f.mime] ?? 'bin'}`);
/** How many records there are (or of a status): the office home's badge, in one request. */
export const offlineCount = (status?: OfflineSaleStatus) => http.get('/sales/offline/count', QueueCount, { status });
