import { customType, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orgs, users } from './identity';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Who may read an upload: anyone (product photos) or its owner org and the office (evidence, invoices). */
export const fileVisibility = pgEnum('file_visibility', ['public', 'private']);
export const filePurpose = pgEnum('file_purpose', ['product_photo', 'offline_evidence', 'invoice']);

/**
 * Stored bytes, once per content: the key is the SHA-256 of the bytes, so the same photo uploaded
 * twice (or by two orgs) is stored once, and its URL can be cached forever.
 */
export const fileBlobs = pgTable('file_blobs', {
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: text().primaryKey(),
  /** Checked from the bytes at upload, never taken from the client. */
  mime: text().notNull(),
  size: integer().notNull(),
  /** The bytes; null when an S3-compatible store holds them (S3_URL), under the same hash. */
  data: bytea(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * An upload of a blob by an org, for a purpose. Access decisions read these rows: a blob is
 * public when any of its uploads is public.
 */
export const files = pgTable(
  'files',
  {
    sha256: text()
      .notNull()
      .references(() => fileBlobs.sha256),
    ownerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    purpose: filePurpose().notNull(),
    visibility: fileVisibility().notNull(),
    uploadedBy: uuid().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sha256, t.ownerOrgId, t.purpose] }), index().on(t.ownerOrgId)],
);
