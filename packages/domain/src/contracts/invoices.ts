import { z } from 'zod';
import { Fen, NonNegativeFen } from '../money';
import { BankAccountNo, Phone, TaxId } from './identity';
import { pgString } from '../storage';

/** 普通发票 (ordinary) or 增值税专用发票 (special VAT invoice). */
export const InvoiceKind = z.enum(['normal', 'special']);
export type InvoiceKind = z.infer<typeof InvoiceKind>;

/**
 * `requested` → `issued`; a refund after issuing → `red_letter_required`; the seller's red-letter
 * upload → `voided` (nothing left to invoice) or `requested` again (a new invoice for the rest).
 */
export const InvoiceStatus = z.enum(['requested', 'issued', 'red_letter_required', 'voided']);
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

/**
 * A buyer's request for the invoice of one order. Omitted fields come from the org's settings;
 * a 专票 needs address, phone, bank and account, from the body or the settings.
 */
export const InvoiceRequestBody = z.strictObject({
  kind: InvoiceKind,
  title: pgString().trim().min(2).max(150).optional(),
  taxId: TaxId.optional(),
  address: pgString().trim().min(4).max(300).optional(),
  phone: Phone.optional(),
  bankName: pgString().trim().min(2).max(100).optional(),
  bankAccount: BankAccountNo.optional(),
});
export type InvoiceRequestBody = z.infer<typeof InvoiceRequestBody>;

/** The fields a 专票 needs besides the title and the tax id. */
export const SPECIAL_INVOICE_FIELDS = ['address', 'phone', 'bankName', 'bankAccount'] as const;

/**
 * The request as the buyer's form sends it: the form shows the org's settings filled in, so a field
 * left empty there is missing, with the words the api uses once it has applied the settings (the
 * title and tax id `required`, a 专票's other fields `special_invoice_field`).
 */
export const InvoiceRequestForm = InvoiceRequestBody.superRefine((b, ctx) => {
  const need = (key: keyof InvoiceRequestBody, rule: 'required' | 'special_invoice_field') => {
    if (b[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], input: undefined, params: { rule } });
  };
  need('title', 'required');
  need('taxId', 'required');
  if (b.kind === 'special') for (const f of SPECIAL_INVOICE_FIELDS) need(f, 'special_invoice_field');
});

/** The text fields of an invoice upload (multipart, next to the `file`). */
export const InvoiceUploadFields = z.strictObject({
  /** 发票号码: 8 or 20 digits on today's e-invoices; letters and dashes allowed for older ones. */
  invoiceNo: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z-]{6,40}$/),
  /** Fen, as text (multipart fields are text): positive for an invoice, negative for a red-letter one. */
  amountFen: z.coerce.number().pipe(Fen),
});
export type InvoiceUploadFields = z.infer<typeof InvoiceUploadFields>;
/** The same fields as the seller's form checks them: the amount already a number of fen (an empty box is missing, not 0). */
export const InvoiceUploadForm = InvoiceUploadFields.extend({ amountFen: Fen });

export const InvoiceDocument = z.object({
  id: z.uuid(),
  /** `blue`: an invoice; `red`: a red-letter invoice cancelling the blue one before it. */
  kind: z.enum(['blue', 'red']),
  invoiceNo: z.string(),
  amountFen: Fen,
  mime: z.string(),
  size: z.number().int(),
  issuedAt: z.iso.datetime(),
  /** Download (signed in: the buyer, the seller and the office). */
  url: z.string(),
});
export type InvoiceDocument = z.infer<typeof InvoiceDocument>;

export const Invoice = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  purchaseId: z.uuid(),
  /** The purchase's reference, as the order pages show it. */
  ref: z.string(),
  buyerOrgId: z.uuid(),
  buyerOrgName: z.string(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  kind: InvoiceKind,
  status: InvoiceStatus,
  title: z.string(),
  taxId: z.string(),
  address: z.string().nullable(),
  phone: z.string().nullable(),
  bankName: z.string().nullable(),
  bankAccount: z.string().nullable(),
  orderTotalFen: NonNegativeFen,
  refundedFen: NonNegativeFen,
  /** What an invoice must be for: the order's total less its refunds. */
  dueFen: z.number().int(),
  requestedAt: z.iso.datetime(),
  redLetterAt: z.iso.datetime().nullable(),
  /** Oldest first. */
  documents: z.array(InvoiceDocument),
});
export type Invoice = z.infer<typeof Invoice>;

export const InvoiceBacklogItem = Invoice.extend({
  /** Whole days since it was requested (or flagged for a red-letter reissue). */
  ageDays: z.number().int(),
});
export type InvoiceBacklogItem = z.infer<typeof InvoiceBacklogItem>;

export const InvoiceListQuery = z.strictObject({ status: InvoiceStatus.optional() });
