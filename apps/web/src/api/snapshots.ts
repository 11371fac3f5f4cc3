import { z } from 'zod';
import { Snapshot, SnapshotSummary } from '@shanhai/domain';
import { download, http } from './http';

export const snapshots = () => http.get('/snapshots', z.object({ items: z.array(SnapshotSummary) }));
export const createSnapshot = (title: string, asOf: string) => http.post('/snapshots', Snapshot, { title, asOf });
export const downloadSnapshot = (s: SnapshotSummary, format: 'xlsx' | 'csv') =>
  download(`/snapshots/${s.id}/export`, { format }, `${s.title}-${s.asOf}.${format}`);
