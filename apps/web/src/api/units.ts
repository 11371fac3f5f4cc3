import { z } from 'zod';
import {
  BudgetUnitPage,
  Declaration,
  DeclarationPage,
  UnitDeclarations,
  UnitListPage,
  UnitProgressDetail,
  UnitRanking,
  UnitSnapshot,
  UnitSummary,
  UnitSnapshotPage,
  type UnitSnapshotSummary,
  UnitYearSettings,
  type BudgetUnitListQuery,
  type BulkClassifyRequest,
  type CreateUnitSnapshotRequest,
  type DeclarationRequest,
  type DeclarationStatus,
  type PutUnitYearSettingsRequest,
  type UnitKind,
  type UnitListQuery,
} from '@shanhai/domain';
import { download, http } from './http';

export const settings = (year: number) => http.get(`/units/settings/${year}`, UnitYearSettings);
export const putSettings = (year: number, body: PutUnitYearSettingsRequest) =>
  http.put(`/units/settings/${year}`, UnitYearSettings, body);

export const declarations = (orgId: string, year: number) =>
  http.get(`/units/${orgId}/declarations/${year}`, UnitDeclarations);
export const saveDeclaration = (orgId: string, year: number, body: DeclarationRequest) =>
  http.put(`/units/${orgId}/declarations/${year}`, Declaration, body);
export const submitDeclaration = (id: string) => http.post(`/declarations/${id}/submit`, Declaration);
export const approveDeclaration = (id: string) => http.post(`/declarations/${id}/approve`, Declaration);
export const returnDeclaration = (id: string, reason: string) =>
  http.post(`/declarations/${id}/return`, Declaration, { reason });
/** One page of the latest declarations, by unit name. */
export const listDeclarations = (query: { year?: number; status?: DeclarationStatus }, cursor?: string) =>
  http.get('/declarations', DeclarationPage, { ...query, cursor });

export const ranking = (query: { year?: number; asOf?: string; kind?: UnitKind; countyId?: string }) =>
  http.get('/units/ranking', UnitRanking, query);
export const progress = (orgId: string, year: number, asOf?: string) =>
  http.get(`/units/${orgId}/progress/${year}`, UnitProgressDetail, { asOf });
/** One page of a year's budget units by name, searched by `q` (the shared-canteen picker). */
export const budgetUnits = (query: Partial<BudgetUnitListQuery>) =>
  http.get('/units/budget-units', BudgetUnitPage, query);

/** One page of frozen unit rankings, newest first. */
export const snapshots = (cursor?: string) => http.get('/units/snapshots', UnitSnapshotPage, { cursor });
export const snapshot = (id: string) => http.get(`/units/snapshots/${id}`, UnitSnapshot);
export const createSnapshot = (body: CreateUnitSnapshotRequest) => http.post('/units/snapshots', UnitSnapshot, body);
/** Called from a view's template, which knip does not read: @public */
export const downloadSnapshot = (s: UnitSnapshotSummary, format: 'xlsx' | 'csv') =>
  download(`/units/snapshots/${s.id}/export`, { format }, `${s.title}-${s.asOf}.${format}`);

/** One page of partner units by name, filtered (`q`, `budget`, `kind`). */
export const units = (query: Partial<UnitListQuery> = {}) => http.get('/units', UnitListPage, query);
export const classifyUnits = (body: BulkClassifyRequest) =>
  http.put('/units/classification', z.object({ items: z.array(UnitSummary) }), body);
