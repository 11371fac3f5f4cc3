import { CoopDashboard } from '@shanhai/domain';
import { http } from './http';

/** The cooperative's home page figures (orders waiting, this and last month, reviews, low stock). */
export const dashboard = () => http.get('/coop/dashboard', CoopDashboard);
