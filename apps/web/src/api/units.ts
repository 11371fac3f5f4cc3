import { z } from 'zod';
import {
  Declaration,
  UnitDeclarations,
  UnitListItem,
  UnitProgressDetail,
  UnitRanking,
  UnitSnapshot,
  UnitSummary,
  UnitSnapshotSummary,
  UnitYearSettings,
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
export const listDeclarations = (query: { year?: number; status?: DeclarationStatus }) =>
  http.get('/declarations', z.object({ items: z.array(Declaration) }), query);

export const ranking = (query: { year?: number; asOf?: string; kind?: UnitKind; countyId?: string }) =>
  http.get('/units/ranking', UnitRanking, query);
export const progress = (orgId: string, year: number, asOf?: string) =>
  http.get(`/units/${orgId}/progress/${year}`, UnitProgressDetail, { asOf });
export const budgetUnits = (year: number) =>
  http.get('/units/budget-units', z.object({ items: z.array(z.object({ id: z.uuid(), name: z.string() })) }), {
    year,
  });

export const snapshots = () => http.get('/units/snapshots', z.object({ items: z.array(UnitSnapshotSummary) }));
export const snapshot = (id: string) => http.get(`/units/snapshots/${id}`, UnitSnapshot);
export const createSnapshot = (body: CreateUnitSnapshotRequest) => http.post('/units/snapshots', UnitSnapshot, body);
export const downloadSnapshot = (s: UnitSnapshotSummary, format: 'xlsx' | 'csv') =>
  download(`/units/snapshots/${s.id}/export`, { format }, `${s.title}-${s.asOf}.${format}`);

export const units = (query: Partial<UnitListQuery> = {}) =>
  http.get('/units', z.object({ items: z.array(UnitListItem) }), query);
export const classifyUnits = (body: BulkClassifyRequest) =>
  http.put('/units/classification', z.object({ items: z.array(UnitSummary) }), body);
