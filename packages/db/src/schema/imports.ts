import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { fen } from './columns';
import { users } from './identity';

/** A committed import of historical sales (CSV/XLSX). Ledger rows reference `<fileHash>:<row>`. */
export const salesImports = pgTable(
  'sales_imports',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** sha256 of the file's bytes. */
    fileHash: text().notNull(),
    fileName: text().notNull(),
    rowCount: integer().notNull(),
    /** Rows newly added to the ledger by this upload (0 when the same file came before). */
    addedRows: integer().notNull(),
    addedFen: fen().notNull(),
    importedBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.fileHash)],
);
