/**
 * Conditional and content-coded answers for bodies cached whole (the public leaderboard): which
 * coding a client accepts, and whether its If-None-Match already names the current ETag.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';

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

/**
 * Server preference when the client's q-values tie (Chromium sends `gzip, deflate, br, zstd`):
 * br, then gzip, then the bytes as they are.
 */
const CODINGS: (ContentCoding | 'identity')[] = ['br', 'gzip', 'identity'];

/**
 * The coding to send for an Accept-Encoding header (null: identity), by its q-values
 * (`br;q=0, gzip` gets gzip; `gzip;q=0.5, identity` gets identity).
 */
export function preferredCoding(acceptEncoding: string | undefined): ContentCoding | null {
  const coding = negotiate(acceptEncoding ?? '', CODINGS);
  return coding === 'br' || coding === 'gzip' ? coding : null;
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
