import {
  Campaign,
  CampaignBoard,
  CampaignPage,
  CampaignProductPage,
  CampaignReattributionPage,
  MAX_PAGE,
  type CampaignPhase,
  type CreateCampaignRequest,
  type UpdateCampaignRequest,
} from '@shanhai/domain';
import { allItems, http, NoContent } from './http';

/** Campaigns: anyone reads them, their board and their shelf; the office writes them. */
/** One page of campaigns, the latest start first. */
export const list = (query: { phase?: CampaignPhase; cursor?: string; limit?: number } = {}) =>
  http.get('/campaigns', CampaignPage, query);
/** Every campaign of a phase, page after page (few: the store's strip of those on now or coming). */
export const all = (phase: CampaignPhase) => allItems((cursor) => list({ phase, cursor, limit: MAX_PAGE }));
export const get = (id: string) => http.get(`/campaigns/${id}`, Campaign);
export const board = (id: string) => http.get(`/campaigns/${id}/leaderboard`, CampaignBoard);
/** One page of a campaign's shelf, newest listing first. */
export const products = (id: string, cursor?: string, limit?: number) =>
  http.get(`/campaigns/${id}/products`, CampaignProductPage, { cursor, limit });
export const create = (body: CreateCampaignRequest) => http.post('/campaigns', Campaign, body);
export const update = (id: string, body: UpdateCampaignRequest) => http.patch(`/campaigns/${id}`, Campaign, body);
export const remove = (id: string) => http.del(`/campaigns/${id}`, NoContent);
/** One page of a campaign's re-attributions, newest first. */
export const reattributions = (id: string, cursor?: string, limit?: number) =>
  http.get(`/campaigns/${id}/reattributions`, CampaignReattributionPage, { cursor, limit });
