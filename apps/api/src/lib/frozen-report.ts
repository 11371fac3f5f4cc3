import { eq } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import type { schema, Db } from '@shanhai/db';
import type { PageQuery } from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from './cursor';
import { attachment, sendCsv } from './csv';
import { addSheet, loadExcel } from './excel';
import { conflict } from './problem';

/*
 * Frozen reports: the town leaderboard snapshots and the budget units' monthly 通报. Both tables
 * have the same columns (a unique title, year, as-of day, the payload as served, who made it) and a
 * trigger that refuses any change, so one set of reads, one insert and one export serve both. The
 * 通报 are inserted by `freezeUnitSnapshot` (packages/db), which the worker's monthly freeze shares.
 */

type FrozenTable = typeof schema.leaderboardSnapshots | typeof schema.unitSnapshots;
type Executor = Pick<Db, 'insert' | 'select'>;

export interface FrozenRow<P> {
  id: string;
  title: string;
  year: number;
  asOf: string;
  createdAt: string;
  payload: P;
}

/** What a list shows of a frozen report: all but its payload. */
const summaryColumns = (table: FrozenTable) => ({
  id: table.id,
  title: table.title,
  year: table.year,
  asOf: table.asOf,
  createdAt: table.createdAt,
});

/** Inserts a frozen report; a title already used is a 409 `title_taken`. */
export async function insertFrozen<P>(
  db: Executor,
  table: FrozenTable,
  values: { title: string; year: number; asOf: string; payload: P; createdBy: string },
): Promise<FrozenRow<P>> {
  const [row] = await db
    .insert(table)
    .values(values)
    .onConflictDoNothing({ target: table.title })
    .returning({ id: table.id, createdAt: table.createdAt });
  if (!row) throw conflict('title_taken', `A report titled "${values.title}" already exists`);
  const { title, year, asOf, payload } = values;
  return { id: row.id, title, year, asOf, payload, createdAt: row.createdAt.toISOString() };
}

/** One page of summaries, newest first; `name` names the list in its cursors. */
export async function listFrozen(db: Db, table: FrozenTable, name: string, page: PageQuery) {
  const ks: Keyset = {
    name,
    keys: [
      { expr: table.createdAt, type: 'timestamptz' },
      { expr: table.id, type: 'uuid' },
    ],
  };
  const rows = await keysetPage(
    db
      .select({ ...summaryColumns(table), cursorKey: cursorKey(ks) })
      .from(table)
      .$dynamic(),
    ks,
    page,
  );
  const { items, nextCursor } = pageOf(ks, rows, page.limit);
  return { items: items.map(({ cursorKey: _, ...r }) => ({ ...r, createdAt: r.createdAt.toISOString() })), nextCursor };
}

export async function getFrozen<P>(db: Db, table: FrozenTable, id: string): Promise<FrozenRow<P> | null> {
  const [r] = await db
    .select({ ...summaryColumns(table), payload: table.payload })
    .from(table)
    .where(eq(table.id, id));
  return r ? { ...r, createdAt: r.createdAt.toISOString(), payload: r.payload as P } : null;
}

export interface ReportColumn<R> {
  header: string;
  value: (r: R) => string | number | null;
}

export const yuan = (fen: number | null) => (fen === null ? null : fen / 100);

/**
 * Sends a report as CSV or as a workbook whose first line is `titleLine` and whose second is the
 * Chinese headers; the file is named after the title and the as-of day.
 */
export async function sendReport<R>(
  reply: FastifyReply,
  report: { title: string; asOf: string; titleLine: string; columns: ReportColumn<R>[]; rows: R[] },
  format: 'xlsx' | 'csv',
) {
  const { title, asOf, titleLine, columns, rows } = report;
  const filename = `${title}-${asOf}.${format}`;
  const headers = columns.map((c) => c.header);
  const cells = (r: R) => columns.map((c) => c.value(r));
  if (format === 'csv') return sendCsv(reply, filename, headers, rows.map(cells));
  const wb = new (await loadExcel()).Workbook();
  const ws = addSheet(wb, title);
  ws.addRow([titleLine]);
  ws.addRow(headers);
  for (const r of rows) ws.addRow(cells(r));
  return reply
    .header('content-disposition', attachment(filename))
    .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .send(Buffer.from(await wb.xlsx.writeBuffer()));
}
