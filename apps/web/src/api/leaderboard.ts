import { z } from 'zod';
import {
  ImportResult,
  Leaderboard,
  OfflineSale,
  Snapshot,
  SnapshotSummary,
  TallyStatus,
  TownDashboard,
  type CreateOfflineSaleRequest,
  type LeaderboardBy,
  type OfflineSaleStatus,
} from '@shanhai/domain';
import { download, http, request } from './http';

export const leaderboard = (q: { year?: number; by?: LeaderboardBy; asOf?: string }) =>
  http.get('/leaderboard', Leaderboard, q);
export const townDashboard = (id: string, year?: number) => http.get(`/towns/${id}/dashboard`, TownDashboard, { year });

const Items = <S extends z.ZodType>(s: S) => z.object({ items: z.array(s) });
export const offlineSales = (status?: OfflineSaleStatus) => http.get('/sales/offline', Items(OfflineSale), { status });
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
/** Evidence is private: fetched with the token (never a public link) and saved. */
export const downloadEvidence = (f: { url: string; mime: string }, name: string) =>
  download(f.url.replace(/^\/api\/v1/, ''), {}, `${name}.${EXT[f.mime] ?? 'bin'}`);
export function importFile(file: File, dryRun: boolean) {
  const form = new FormData();
  form.append('file', file);
  return request('POST', '/sales/import', ImportResult, { form, query: { dryRun } });
}
export const snapshots = () => http.get('/snapshots', Items(SnapshotSummary));
export const createSnapshot = (title: string, asOf: string) => http.post('/snapshots', Snapshot, { title, asOf });
export const downloadSnapshot = (s: SnapshotSummary, format: 'xlsx' | 'csv') =>
  download(`/snapshots/${s.id}/export`, { format }, `${s.title}-${s.asOf}.${format}`);
export const tallyStatus = () => http.get('/tallies/status', TallyStatus);
export const reconcileNow = () => http.post('/tallies/reconcile', z.object({ queued: z.boolean() }));
/** Puts the office access token in a cookie scoped to /admin/queues, so that a link can open Bull Board in a new tab. */
export const queueBoardSession = () => http.post('/admin/queues/session', z.undefined());
