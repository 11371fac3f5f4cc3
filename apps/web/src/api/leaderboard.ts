import { z } from 'zod';
import { Leaderboard, RecentSales, TallyStatus, TownDashboard, type LeaderboardBy } from '@shanhai/domain';
import { download, http } from './http';

export const leaderboard = (q: { year?: number; by?: LeaderboardBy; asOf?: string }) =>
  http.get('/leaderboard', Leaderboard, q);
export const townDashboard = (id: string, year?: number) => http.get(`/towns/${id}/dashboard`, TownDashboard, { year });
export const tallyStatus = () => http.get('/tallies/status', TallyStatus);
export const reconcileNow = () => http.post('/tallies/reconcile', z.object({ queued: z.boolean() }));
/** The wall screen's ticker (office only): the newest `limit` credited sales (one page; it shows no older ones). */
export const recentSales = (limit: number) => http.get('/leaderboard/recent-sales', RecentSales, { limit });
/** The town board as it stands, as XLSX or CSV (office only). */
export const exportBoard = (q: { year: number; asOf?: string; format: 'xlsx' | 'csv' }, filename: string) =>
  download('/leaderboard/export', q, filename);
