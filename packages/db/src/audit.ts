import type { AuditAction } from '@shanhai/domain';
import type { DbOrTx } from './client';
import { auditLog } from './schema/audit';

export interface AuditEntry {
  actorUserId: string | null;
  actorOrgId: string | null;
  action: AuditAction;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  note?: string;
  /** When it happened, if not now: the demo seed dates the steps it writes as having happened earlier. */
  at?: Date;
}

/** Appends one audit row; call it inside the transaction that makes the change. */
export async function writeAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  await writeAudits(tx, [entry]);
}

/** Appends many audit rows (one per change of a batch), a thousand per insert. */
export async function writeAudits(tx: DbOrTx, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1_000)
    await tx.insert(auditLog).values(
      entries.slice(i, i + 1_000).map((entry) => ({
        actorUserId: entry.actorUserId,
        actorOrgId: entry.actorOrgId,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        before: entry.before ?? null,
        after: entry.after ?? null,
        note: entry.note ?? null,
        ...(entry.at ? { at: entry.at } : {}),
      })),
    );
}
