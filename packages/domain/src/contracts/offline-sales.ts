import { z } from 'zod';
import { Category } from '../catalog';
import { IsoDate } from '../dates';
import { PositiveFen } from '../money';
import { Page, PageQuery } from './page';
import { pgString } from '../storage';

export const OfflineSaleStatus = z.enum(['pending', 'approved', 'rejected', 'reversed']);
export type OfflineSaleStatus = z.infer<typeof OfflineSaleStatus>;

export const CreateOfflineSaleRequest = z.strictObject({
  townId: z.uuid(),
  cooperativeId: z.uuid().nullish(),
  buyerOrgId: z.uuid().nullish(),
  category: Category,
  amountFen: PositiveFen,
  businessDate: IsoDate,
  invoiceNo: pgString().trim().min(1).max(64).nullish(),
  note: pgString().trim().max(500).nullish(),
});
export type CreateOfflineSaleRequest = z.infer<typeof CreateOfflineSaleRequest>;

export const ReasonRequest = z.strictObject({ reason: pgString().trim().min(2).max(500) });
export type ReasonRequest = z.infer<typeof ReasonRequest>;

export const OfflineSale = z.object({
  id: z.uuid(),
  townId: z.uuid(),
  cooperativeId: z.uuid().nullable(),
  buyerOrgId: z.uuid().nullable(),
  category: Category,
  amountFen: PositiveFen,
  businessDate: IsoDate,
  invoiceNo: z.string().nullable(),
  note: z.string().nullable(),
  status: OfflineSaleStatus,
  decisionReason: z.string().nullable(),
  /** The user who recorded it: they cannot approve it (four eyes). */
  recordedBy: z.uuid(),
  recordedByOrgId: z.uuid(),
  createdAt: z.iso.datetime(),
  evidence: z.array(z.object({ url: z.string(), mime: z.string(), size: z.number().int() })),
});
export type OfflineSale = z.infer<typeof OfflineSale>;

export const OfflineSaleListQuery = z.strictObject({ status: OfflineSaleStatus.optional(), ...PageQuery.shape });
export type OfflineSaleListQuery = z.infer<typeof OfflineSaleListQuery>;
export const OfflineSalePage = Page(OfflineSale);
export type OfflineSalePage = z.infer<typeof OfflineSalePage>;
