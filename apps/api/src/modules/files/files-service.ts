import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { checkUpload } from '../../lib/uploads';
import type { S3Blobs } from './s3-blobs';

const { fileBlobs, files } = schema;

export type FileVisibility = (typeof schema.fileVisibility.enumValues)[number];
export type FilePurpose = (typeof schema.filePurpose.enumValues)[number];

/** Stored names are `<sha256>.<ext>`; nothing else is ever served. */
export const STORED_NAME = /^([0-9a-f]{64})\.(jpg|png|webp|pdf|ofd)$/;
const EXT_OF_MIME: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'application/ofd': 'ofd',
};

export const fileUrl = (name: string, visibility: FileVisibility) =>
  visibility === 'public' ? `/media/${name}` : `/api/v1/files/${name}`;

export interface StoredFile {
  /** `<sha256>.<ext>`: content-addressed, so the same file is stored once and can be cached forever. */
  name: string;
  /** Where the api serves it: `/media/…` for public files, `/api/v1/files/…` (signed in) for private ones. */
  url: string;
  mime: string;
  size: number;
}

export interface UploadInput {
  bytes: Buffer;
  /** Types accepted here (mime → extension); checked from the bytes. */
  allowed: Readonly<Record<string, string>>;
  /** The request field named in a 400. */
  field?: string;
  /** Finds the type from the bytes instead of `allowed` (e-invoices: a PDF, or an OFD by its structure). */
  detect?: (bytes: Buffer, field?: string) => Promise<{ mime: string; ext: string }>;
  ownerOrgId: string;
  purpose: FilePurpose;
  visibility: FileVisibility;
  uploadedBy?: string | null;
}

/** A stored file's bytes and what the serving route needs to decide and describe the answer. */
export interface FileRead {
  sha256: string;
  mime: string;
  size: number;
  /** Public when any upload of these bytes is public. */
  visibility: FileVisibility;
  /** Orgs that uploaded these bytes privately (who may read a private file, with the office). */
  ownerOrgIds: string[];
  body: Buffer | Readable;
}

/**
 * The one storage of uploaded photos, evidence and invoices. Metadata always lives in PostgreSQL;
 * the bytes too by default (so every replica shares them and backups include them), or in an
 * S3-compatible store when one is configured. Blobs stored in PostgreSQL before S3 was configured
 * stay readable.
 */
export class FileStorage {
  constructor(
    private readonly db: Db,
    private readonly s3?: S3Blobs,
  ) {}

  get driver(): 'postgres' | 's3' {
    return this.s3 ? 's3' : 'postgres';
  }

  /** Checks the bytes' type, stores them once per content, and records this upload. */
  async store(input: UploadInput): Promise<StoredFile> {
    const { mime, ext } = input.detect
      ? await input.detect(input.bytes, input.field)
      : await checkUpload(input.bytes, input.allowed, input.field);
    const sha256 = createHash('sha256').update(input.bytes).digest('hex');
    await this.putBlob(sha256, input.bytes, mime);
    await this.db
      .insert(files)
      .values({
        sha256,
        ownerOrgId: input.ownerOrgId,
        purpose: input.purpose,
        visibility: input.visibility,
        uploadedBy: input.uploadedBy ?? null,
      })
      .onConflictDoNothing();
    const name = `${sha256}.${ext}`;
    return { name, url: fileUrl(name, input.visibility), mime, size: input.bytes.length };
  }

  private async putBlob(sha256: string, bytes: Buffer, mime: string): Promise<void> {
    const [known] = await this.db
      .select({ sha256: fileBlobs.sha256 })
      .from(fileBlobs)
      .where(eq(fileBlobs.sha256, sha256));
    if (known) return;
    // Bytes first, row second: a row always points at bytes that exist.
    if (this.s3) await this.s3.put(sha256, bytes, mime);
    await this.db
      .insert(fileBlobs)
      .values({ sha256, mime, size: bytes.length, data: this.s3 ? null : bytes })
      .onConflictDoNothing();
  }

  /** The file stored under `name` (`<sha256>.<ext>`), or null. */
  async read(name: string): Promise<FileRead | null> {
    const m = STORED_NAME.exec(name);
    if (!m) return null;
    const sha256 = m[1]!;
    const [blob] = await this.db.select().from(fileBlobs).where(eq(fileBlobs.sha256, sha256));
    if (!blob || EXT_OF_MIME[blob.mime] !== m[2]) return null;
    const uploads = await this.db
      .select({ ownerOrgId: files.ownerOrgId, visibility: files.visibility })
      .from(files)
      .where(eq(files.sha256, sha256));
    if (uploads.length === 0) return null;
    const body = blob.data ?? (this.s3 ? await this.s3.get(sha256) : null);
    if (!body) return null;
    return {
      sha256,
      mime: blob.mime,
      size: blob.size,
      visibility: uploads.some((u) => u.visibility === 'public') ? 'public' : 'private',
      ownerOrgIds: uploads.filter((u) => u.visibility === 'private').map((u) => u.ownerOrgId),
      body,
    };
  }

  close(): void {
    this.s3?.close();
  }
}
