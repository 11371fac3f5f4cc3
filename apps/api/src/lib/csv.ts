import { pipeline, Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * csv-parse, read on first use (a CSV upload: quick order, sales import, bank statement), like
 * exceljs: what a cold start need not load (bench:start).
 */
export const loadCsvParse = () => import('csv-parse/sync').then((m) => m.parse);

/**
 * A cell a spreadsheet will not run: a leading = + - @ (or a tab or carriage return, which Excel
 * strips before looking) would start a formula, so such text gets a leading apostrophe. A number
 * is a value, never a formula: a negative amount stays a number, not text.
 */
export function formulaSafe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/**
 * A file name every system saves as given, Chinese included: path separators, characters Windows
 * forbids (\\ / : * ? " < > |), control characters and lone surrogates become "_"; at most 120
 * characters, never cut inside a character; `export` when nothing is left.
 */
export function safeFileName(filename: string): string {
  const chars = [...filename.normalize('NFC')].map((c) =>
    /[\p{Cc}\p{Cs}]/u.test(c) || '\\/:*?"<>|'.includes(c) ? '_' : c,
  );
  return chars.slice(0, 120).join('').trim() || 'export';
}

/** An attachment header any browser saves as given, Chinese included (RFC 6266 / 5987). */
export function attachment(filename: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(safeFileName(filename))}`;
}

/**
 * Streams a CSV (UTF-8 with BOM so Excel reads Chinese, CRLF) row by row from any iterable, so an
 * export of every row never holds them all in memory and is never cut at a cap.
 */
export async function sendCsv(
  reply: FastifyReply,
  filename: string,
  header: readonly string[],
  rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>,
) {
  // Read on the first export, not at start.
  const { stringify } = await import('csv-stringify');
  async function* cells() {
    yield header.map(formulaSafe);
    for await (const row of rows) yield row.map(formulaSafe);
  }
  // pipeline, not pipe: a failing source (the database) destroys the answer instead of hanging it.
  const csv = pipeline(
    Readable.from(cells()),
    stringify({
      bom: true,
      record_delimiter: 'windows',
      // csv-stringify quotes a cell holding a comma, a quote or CRLF; a lone LF or CR would end
      // the row in Excel too.
      quoted_match: /[\r\n]/,
    }),
    (err) => {
      if (err) reply.log.error({ err }, 'csv export failed mid-stream');
    },
  );
  return reply.type('text/csv; charset=utf-8').header('content-disposition', attachment(filename)).send(csv);
}
