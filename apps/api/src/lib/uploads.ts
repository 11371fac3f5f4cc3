import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import { badRequest } from './problem';

/** Photos: checked by their bytes, never by their name or the client's content type. */
export const IMAGE_TYPES = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
/** Evidence of an off-platform sale: photos or a PDF invoice. */
export const EVIDENCE_TYPES = { ...IMAGE_TYPES, 'application/pdf': 'pdf' } as const;
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export interface StoredFile {
  /** `<sha256>.<ext>`: content-addressed, so the same file is stored once and can be cached forever. */
  name: string;
  /** Where the api serves it. */
  url: string;
  mime: string;
  size: number;
}

/**
 * Stores `buffer` under `dir` by its content hash after checking its real type by content.
 * `field` names the request field in a 400.
 */
export async function storeFile(
  dir: string,
  buffer: Buffer,
  allowed: Readonly<Record<string, string>>,
  field = 'body.file',
): Promise<StoredFile> {
  if (buffer.length === 0) throw badRequest(field, 'is empty');
  if (buffer.length > MAX_UPLOAD_BYTES) throw badRequest(field, `is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
  const type = await fileTypeFromBuffer(buffer);
  const ext = type ? allowed[type.mime] : undefined;
  if (!type || !ext) {
    const kinds = Object.values(allowed)
      .map((e) => e.toUpperCase())
      .join(', ');
    throw badRequest(field, `must be one of ${kinds} (checked by content${type ? `; this is ${type.mime}` : ''})`);
  }
  const name = `${createHash('sha256').update(buffer).digest('hex')}.${ext}`;
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) {
    // Write then rename: a reader never sees half a file.
    const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, buffer);
    await rename(tmp, path);
  }
  return { name, url: `/media/${name}`, mime: type.mime, size: buffer.length };
}

/**
 * Reads the one file of a multipart request (field `file`) into memory, refusing more than
 * MAX_UPLOAD_BYTES with a 400 rather than a 413 so that the form can show which file was wrong.
 */
export async function readSingleFile(
  request: FastifyRequest,
): Promise<{ buffer: Buffer; filename: string; fields: Record<string, string> }> {
  if (!request.isMultipart()) throw badRequest('body', 'must be multipart/form-data with a `file` field');
  const part = await request.file({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  if (!part) throw badRequest('body.file', 'is missing');
  let buffer: Buffer;
  try {
    buffer = await part.toBuffer();
  } catch (e) {
    if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw badRequest('body.file', `is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    throw e;
  }
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(part.fields)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value && 'value' in value && typeof value.value === 'string') fields[k] = value.value;
  }
  return { buffer, filename: part.filename, fields };
}
