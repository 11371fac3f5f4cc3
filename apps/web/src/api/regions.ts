import { RegionsResponse, TownTarget } from '@shanhai/domain';
import { http } from './http';

export const regions = (year?: number) => http.get('/regions', RegionsResponse, { year });
export const setTownTarget = (townId: string, year: number, targetFen: number) =>
  http.put(`/towns/${townId}/targets/${year}`, TownTarget, { targetFen });
