import {
  Pairing,
  PairingPage,
  RegionsResponse,
  TownTarget,
  type CreatePairingRequest,
  type PairingListQuery,
  type UpdatePairingRequest,
} from '@shanhai/domain';
import { http, NoContent } from './http';

export const regions = (year?: number) => http.get('/regions', RegionsResponse, { year });
export const setTownTarget = (townId: string, year: number, targetFen: number) =>
  http.put(`/towns/${townId}/targets/${year}`, TownTarget, { targetFen });

/** One page of pairings (by town, then unit name), filtered; the filters hold across pages. */
export const pairings = (query: Partial<PairingListQuery> = {}) => http.get('/pairings', PairingPage, query);
export const createPairing = (body: CreatePairingRequest) => http.post('/pairings', Pairing, body);
export const updatePairing = (id: string, body: UpdatePairingRequest) => http.patch(`/pairings/${id}`, Pairing, body);
export const deletePairing = (id: string) => http.del(`/pairings/${id}`, NoContent);
