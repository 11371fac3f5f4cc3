import { z } from 'zod';
import { MoneyOverview, MyBalance, type Category } from '@shanhai/domain';
import { http } from './http';

const Done = z.object({ ok: z.literal(true) });

export const myBalance = () => http.get('/balances/mine', MyBalance, { limit: 100 });
export const moneyOverview = () => http.get('/balances', MoneyOverview);
export const setCooperativeRate = (id: string, rateBps: number | null) =>
  http.put(`/fee-rates/cooperatives/${id}`, Done, { rateBps });
export const setCategoryRate = (category: Category, rateBps: number | null) =>
  http.put(`/fee-rates/categories/${category}`, Done, { rateBps });
export const setAutoAcceptDays = (autoAcceptDays: number) => http.put('/money-settings', Done, { autoAcceptDays });
