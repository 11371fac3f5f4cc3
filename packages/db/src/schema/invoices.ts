import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';
import { orders } from './orders';

/** 普通发票 (ordinary) or 增值税专用发票 (special VAT invoice, which needs address, phone, bank and account). */
export const invoiceKind = pgEnum('invoice_kind', ['normal', 'special']);
/**
 * `requested` → `issued` (the seller uploaded it); a refund after issuing → `red_letter_required`;
 * the seller's red-letter (红冲) upload → `voided` when nothing is left to invoice, or back to
 * `requested` for a new invoice of what is left. A refund of everything before issuing → `voided`.
 */
export const invoiceStatus = pgEnum('invoice_status', ['requested', 'issued', 'red_letter_required', 'voided']);
/** `blue`: an ordinary (positive) invoice; `red`: a red-letter invoice cancelling the last blue one. */
export const invoiceDocumentKind = pgEnum('invoice_document_kind', ['blue', 'red']);

/** The buyer's request for the invoice of one order (one per order), and where it stands. */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid().primaryKey().defaultRandom(),
    orderId: uuid()
      .notNull()
      .references(() => orders.id),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** The seller, who issues the invoice. */
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    kind: invoiceKind().notNull(),
    status: invoiceStatus().notNull().default('requested'),
    /** 发票抬头 and 纳税人识别号, copied at request time (later profile edits do not rewrite it). */
    title: text().notNull(),
    taxId: text().notNull(),
    /** 专票 only: registered address, phone, bank and account number. */
    address: text(),
    phone: text(),
    bankName: text(),
    bankAccount: text(),
    requestedBy: uuid()
      .notNull()
      .references(() => users.id),
    /** When a refund after issuing asked for a red-letter invoice. */
    redLetterAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    // One request per order: a second (or a concurrent) request is refused by this index.
    uniqueIndex('invoices_order_key').on(t.orderId),
    index().on(t.cooperativeId, t.status),
    index().on(t.buyerOrgId),
    index().on(t.status, t.createdAt),
  ],
);

/** Every e-invoice file the seller uploaded for a request, in order: append-only. */
export const invoiceDocuments = pgTable(
  'invoice_documents',
  {
    id: uuid().primaryKey().defaultRandom(),
    invoiceId: uuid()
      .notNull()
      .references(() => invoices.id),
    kind: invoiceDocumentKind().notNull(),
    /** 发票号码 as printed on the e-invoice. */
    invoiceNo: text().notNull(),
    /** Fen; positive for a blue invoice, negative for a red-letter one. */
    amountFen: fen().notNull(),
    /** The stored file (`<sha256>.pdf|ofd`) in the files module's private storage. */
    fileName: text().notNull(),
    mime: text().notNull(),
    size: integer().notNull(),
    issuedBy: uuid()
      .notNull()
      .references(() => users.id),
    issuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.invoiceId, t.issuedAt),
    check('invoice_documents_sign', sql`(${t.kind} = 'blue') = (${t.amountFen} > 0)`),
  ],
);
