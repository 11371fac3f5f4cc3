import { z } from 'zod';
import { Leaderboard, TallyStatus, TownDashboard, type LeaderboardBy } from '@shanhai/domain';
import { http } from './http';

export const leaderboard = (q: { year?: number; by?: LeaderboardBy; asOf?: string }) =>
  http.get('/leaderboard', Leaderboard, q);
export const townDashboard = (id: string, year?: number) => http.get(`/towns/${id}/dashboard`, TownDashboard, { year });
export const tallyStatus = () => http.get('/tallies/status', TallyStatus);
export const reconcileNow = () => http.post('/tallies/reconcile', z.object({ queued: z.boolean() }));
