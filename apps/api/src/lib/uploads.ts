import type { FastifyRequest } from 'fastify';
import { badRequest } from './problem';

/** Photos: checked by their bytes, never by their name or the client's content type. */
export const IMAGE_TYPES = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
/** Evidence of an off-platform sale: photos or a PDF invoice. */
export const EVIDENCE_TYPES = { ...IMAGE_TYPES, 'application/pdf': 'pdf' } as const;
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/**
 * The real type of an upload, found from its bytes, if it is one of `allowed`; otherwise a 400
 * naming `field`. Empty and oversize files are 400s too.
 */
export async function checkUpload(
  buffer: Buffer,
  allowed: Readonly<Record<string, string>>,
  field = 'body.file',
): Promise<{ mime: string; ext: string }> {
  if (buffer.length === 0) throw badRequest(field, 'is empty');
  if (buffer.length > MAX_UPLOAD_BYTES) throw badRequest(field, `is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
  // Read on the first upload, not at start-up (a cold start reads every module imported at the top).
  const { fileTypeFromBuffer } = await import('file-type');
  const type = await fileTypeFromBuffer(buffer);
  const ext = type ? allowed[type.mime] : undefined;
  if (!type || !ext) {
    const kinds = Object.values(allowed)
      .map((e) => e.toUpperCase())
      .join(', ');
    throw badRequest(field, `must be one of ${kinds} (checked by content${type ? `; this is ${type.mime}` : ''})`);
  }
  return { mime: type.mime, ext };
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
