import { z } from 'zod';
import {
  Campaign,
  CampaignBoard,
  CampaignReattribution,
  CatalogItem,
  type CampaignPhase,
  type CreateCampaignRequest,
  type UpdateCampaignRequest,
} from '@shanhai/domain';
import { http, NoContent } from './http';

/** Campaigns: anyone reads them, their board and their shelf; the office writes them. */
export const list = (phase?: CampaignPhase) =>
  http.get('/campaigns', z.object({ items: z.array(Campaign) }), { phase });
export const get = (id: string) => http.get(`/campaigns/${id}`, Campaign);
export const board = (id: string) => http.get(`/campaigns/${id}/leaderboard`, CampaignBoard);
export const products = (id: string) =>
  http.get(`/campaigns/${id}/products`, z.object({ items: z.array(CatalogItem) }));
export const create = (body: CreateCampaignRequest) => http.post('/campaigns', Campaign, body);
export const update = (id: string, body: UpdateCampaignRequest) => http.patch(`/campaigns/${id}`, Campaign, body);
export const remove = (id: string) => http.del(`/campaigns/${id}`, NoContent);
export const reattributions = (id: string) =>
  http.get(`/campaigns/${id}/reattributions`, z.object({ items: z.array(CampaignReattribution) }));
