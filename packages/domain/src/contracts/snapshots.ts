import { z } from 'zod';
import { IsoDate } from '../dates';
import { TownRow } from './leaderboard';
import { Page } from './page';
import { pgString } from '../storage';

export const CreateSnapshotRequest = z.strictObject({
  title: pgString().trim().min(1).max(100),
  asOf: IsoDate,
  year: z.number().int().min(2000).max(2100).optional(),
});
export type CreateSnapshotRequest = z.infer<typeof CreateSnapshotRequest>;

export const SnapshotSummary = z.object({
  id: z.uuid(),
  title: z.string(),
  year: z.number().int(),
  asOf: IsoDate,
  createdAt: z.iso.datetime(),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;
export const SnapshotPage = Page(SnapshotSummary);
export type SnapshotPage = z.infer<typeof SnapshotPage>;
export const Snapshot = SnapshotSummary.extend({ rows: z.array(TownRow) });
export type Snapshot = z.infer<typeof Snapshot>;
