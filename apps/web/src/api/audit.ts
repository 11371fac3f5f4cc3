import { AuditPage, type AuditFilter } from '@shanhai/domain';
import { download, http } from './http';

export const auditLog = (filter: AuditFilter, cursor?: string | null) =>
  http.get('/audit', AuditPage, { ...filter, cursor, limit: 50 });
export const exportAudit = (filter: AuditFilter) =>
  download('/audit/export', { ...filter }, `audit-log-${new Date().toISOString().slice(0, 10)}.csv`);
