import type { FastifyRequest } from 'fastify';
import { ruleBroken } from './problem';

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
  if (buffer.length === 0) throw ruleBroken(field, 'empty_file');
  if (buffer.length > MAX_UPLOAD_BYTES)
    throw ruleBroken(field, 'file_too_large', { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
  // Read on the first upload, not at start-up (a cold start reads every module imported at the top).
  const { fileTypeFromBuffer } = await import('file-type');
  const type = await fileTypeFromBuffer(buffer);
  const ext = type ? allowed[type.mime] : undefined;
  if (!type || !ext) {
    const kinds = Object.values(allowed)
      .map((e) => e.toUpperCase())
      .join(', ');
    throw ruleBroken(field, 'file_type', { kinds });
  }
  return { mime: type.mime, ext };
}

/** E-invoices: PDF, or OFD (the national e-document format, a ZIP package with `OFD.xml` at its root). */
export const INVOICE_TYPES = { 'application/pdf': 'pdf', 'application/ofd': 'ofd' } as const;

/**
 * The type of an e-invoice from its bytes: a PDF (found by file-type), or an OFD, which is a ZIP
 * whose central directory lists `OFD.xml` at the root. file-type calls any ZIP a ZIP, so the
 * structure check is ours; renaming a photo or a spreadsheet `.ofd` is refused either way.
 */
export async function checkInvoiceFile(buffer: Buffer, field = 'body.file'): Promise<{ mime: string; ext: string }> {
  if (buffer.length >= 4 && buffer.readUInt32LE(0) === ZIP_LOCAL_HEADER) {
    if (buffer.length > MAX_UPLOAD_BYTES)
      throw ruleBroken(field, 'file_too_large', { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
    if (zipEntryNames(buffer).includes('OFD.xml')) return { mime: 'application/ofd', ext: 'ofd' };
    throw ruleBroken(field, 'file_type', { kinds: 'PDF, OFD' });
  }
  return checkUpload(buffer, { 'application/pdf': 'pdf' }, field);
}

const ZIP_LOCAL_HEADER = 0x04034b50;
const ZIP_CENTRAL_HEADER = 0x02014b50;
const ZIP_END = 0x06054b50;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const ZIP_END_SEARCH = 22 + 0xffff;

/** The names in a ZIP's central directory; [] for anything that does not parse as one. */
function zipEntryNames(buf: Buffer): string[] {
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - ZIP_END_SEARCH); i--) {
    if (buf.readUInt32LE(i) === ZIP_END) {
      end = i;
      break;
    }
  }
  if (end < 0) return [];
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== ZIP_CENTRAL_HEADER) return [];
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    if (at + 46 + nameLen > buf.length) return [];
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/**
 * Reads the one file of a multipart request (field `file`) into memory, refusing more than
 * MAX_UPLOAD_BYTES with a 400 rather than a 413 so that the form can show which file was wrong.
 */
export async function readSingleFile(
  request: FastifyRequest,
): Promise<{ buffer: Buffer; filename: string; fields: Record<string, string> }> {
  if (!request.isMultipart()) throw ruleBroken('body', 'multipart');
  const part = await request.file({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  if (!part) throw ruleBroken('body.file', 'required');
  let buffer: Buffer;
  try {
    buffer = await part.toBuffer();
  } catch (e) {
    if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw ruleBroken('body.file', 'file_too_large', { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
    throw e;
  }
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(part.fields)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value && 'value' in value && typeof value.value === 'string') fields[k] = value.value;
  }
  return { buffer, filename: part.filename, fields };
}
