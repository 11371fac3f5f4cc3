import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { EVIDENCE_TYPES } from '../../lib/uploads';
import { STORED_NAME, type FilePurpose, type FileStorage, type FileVisibility } from './files-service';

export interface ImportReport {
  /** Files stored now (one per owner and purpose that refers to them). */
  imported: string[];
  /** Files whose every reference was already in storage (a second run imports nothing). */
  alreadyStored: string[];
  /** Files that no product or record refers to: nobody owns them, so they are left out. */
  unreferenced: string[];
  /** Files whose bytes do not hash to their name, or are not a type the api accepts. */
  refused: { name: string; reason: string }[];
}

interface Owner {
  ownerOrgId: string;
  purpose: FilePurpose;
  visibility: FileVisibility;
}

/** Who refers to a stored name: cooperatives' product photos (public) and offline records' evidence (private). */
async function ownersOf(db: Db, name: string): Promise<Owner[]> {
  const { products, offlineSales, offlineSaleFiles } = schema;
  const photos = await db
    .selectDistinct({ ownerOrgId: products.cooperativeId })
    .from(products)
    .where(sql`${`/media/${name}`} = any(${products.photos})`);
  const evidence = await db
    .selectDistinct({ ownerOrgId: offlineSales.recordedByOrgId })
    .from(offlineSaleFiles)
    .innerJoin(offlineSales, eq(offlineSales.id, offlineSaleFiles.offlineSaleId))
    .where(eq(offlineSaleFiles.fileName, name));
  return [
    ...photos.map((p) => ({
      ownerOrgId: p.ownerOrgId,
      purpose: 'product_photo' as const,
      visibility: 'public' as const,
    })),
    ...evidence.map((e) => ({
      ownerOrgId: e.ownerOrgId,
      purpose: 'offline_evidence' as const,
      visibility: 'private' as const,
    })),
  ];
}

/**
 * Moves the files of a former UPLOAD_DIR (`<sha256>.<ext>`, one replica's disk) into the shared
 * storage, with the owner and visibility that the database's references give them. Safe to run
 * again: stored files are found and skipped.
 */
export async function importLocalUploads(db: Db, storage: FileStorage, dir: string): Promise<ImportReport> {
  const report: ImportReport = { imported: [], alreadyStored: [], unreferenced: [], refused: [] };
  for (const name of (await readdir(dir)).sort()) {
    const m = STORED_NAME.exec(name);
    if (!m) continue;
    const bytes = await readFile(join(dir, name));
    if (createHash('sha256').update(bytes).digest('hex') !== m[1]) {
      report.refused.push({ name, reason: 'its bytes do not hash to its name' });
      continue;
    }
    const owners = await ownersOf(db, name);
    if (owners.length === 0) {
      report.unreferenced.push(name);
      continue;
    }
    const known = await db
      .select({ ownerOrgId: schema.files.ownerOrgId, purpose: schema.files.purpose })
      .from(schema.files)
      .where(eq(schema.files.sha256, m[1]!));
    const missing = owners.filter((o) => !known.some((k) => k.ownerOrgId === o.ownerOrgId && k.purpose === o.purpose));
    if (missing.length === 0) {
      report.alreadyStored.push(name);
      continue;
    }
    try {
      for (const owner of missing) {
        const stored = await storage.store({ bytes, allowed: EVIDENCE_TYPES, ...owner });
        if (stored.name !== name) throw new Error(`its content is ${stored.mime}, not what its name says`);
      }
      report.imported.push(name);
    } catch (e) {
      report.refused.push({ name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return report;
}
