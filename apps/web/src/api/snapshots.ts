import { Snapshot, SnapshotPage, type SnapshotSummary } from '@shanhai/domain';
import { download, http } from './http';

/** One page of frozen leaderboards, newest first. */
export const snapshots = (cursor?: string) => http.get('/snapshots', SnapshotPage, { cursor });
export const createSnapshot = (title: string, asOf: string) => http.post('/snapshots', Snapshot, { title, asOf });
/** Called from a view's template, which knip does not read: @public */
export const downloadSnapshot = (s: SnapshotSummary, format: 'xlsx' | 'csv') =>
  download(`/snapshots/${s.id}/export`, { format }, `${s.title}-${s.asOf}.${format}`);
