/**
 * Conditional and content-coded answers for bodies cached whole (the public leaderboard): which
 * coding a client accepts, and whether its If-None-Match already names the current ETag.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip';

/**
 * Brotli quality 5: about gzip's speed with a smaller result. A body is compressed once per
 * change of the board, on the first request that accepts the coding, not once per request.
 */
const BROTLI_QUALITY = 5;
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export function compress(body: Buffer, coding: ContentCoding): Promise<Buffer> {
  return coding === 'br'
    ? brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
    : gzipAsync(body);
}

/** Browsers send one of a handful of Accept-Encoding strings: parse each once. */
const MAX_REMEMBERED_HEADERS = 64;
const remembered = new Map<string, ContentCoding | null>();

/**
 * The coding to send for an Accept-Encoding header: br, else gzip, else none (identity).
 * A coding with q=0 is refused; `*` accepts both.
 */
export function preferredCoding(acceptEncoding: string | undefined): ContentCoding | null {
  if (!acceptEncoding) return null;
  let coding = remembered.get(acceptEncoding);
  if (coding !== undefined) return coding;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepts = (c: ContentCoding) => (q.get(c) ?? q.get('*') ?? 0) > 0;
  coding = accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : null;
  if (remembered.size >= MAX_REMEMBERED_HEADERS) remembered.clear();
  remembered.set(acceptEncoding, coding);
  return coding;
}

/**
 * Whether If-None-Match names the current ETag, so the answer is 304 (RFC 9110 §13.1.2: weak
 * comparison, a list of tags, or `*`).
 */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch === etag) return true;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const current = opaque(etag);
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || opaque(tag) === current;
  });
}
