import { z } from 'zod';
import { IsoDate } from '../dates';
import { NonNegativeFen } from '../money';
import { Page, PageQuery } from './page';

export const Town = z.object({
  id: z.uuid(),
  code: z.string(),
  countyId: z.uuid(),
  nameZh: z.string(),
  nameEn: z.string(),
  /** A town added to reach the programme's 24 for the demo; its figures are generated. */
  isDemo: z.boolean(),
  /** Yearly sales target in fen for the requested year; null where none is set. */
  targetFen: NonNegativeFen.nullable(),
  /** The target is a generated placeholder, not an official figure. */
  targetIsDemo: z.boolean(),
});
export type Town = z.infer<typeof Town>;

export const County = z.object({
  id: z.uuid(),
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  towns: z.array(Town),
});
export type County = z.infer<typeof County>;

export const RegionsResponse = z.object({
  year: z.number().int(),
  counties: z.array(County),
});
export type RegionsResponse = z.infer<typeof RegionsResponse>;

export const PutTargetRequest = z.strictObject({
  targetFen: NonNegativeFen,
});
export type PutTargetRequest = z.infer<typeof PutTargetRequest>;

export const TownTarget = z.object({
  townId: z.uuid(),
  year: z.number().int(),
  targetFen: NonNegativeFen,
  isDemo: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type TownTarget = z.infer<typeof TownTarget>;

export const PairingRole = z.enum(['lead', 'member']);
export type PairingRole = z.infer<typeof PairingRole>;

export const Pairing = z.object({
  id: z.uuid(),
  buyerOrgId: z.uuid(),
  buyerOrgName: z.string(),
  townId: z.uuid(),
  role: PairingRole,
  startsOn: IsoDate,
  endsOn: IsoDate.nullable(),
  /** Yearly pledge in fen, where the unit made one. */
  pledgeFen: NonNegativeFen.nullable(),
});
export type Pairing = z.infer<typeof Pairing>;

export const CreatePairingRequest = z
  .strictObject({
    buyerOrgId: z.uuid(),
    townId: z.uuid(),
    role: PairingRole.default('member'),
    startsOn: IsoDate,
    endsOn: IsoDate.nullish(),
    pledgeFen: NonNegativeFen.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.endsOn && v.endsOn < v.startsOn)
      ctx.addIssue({ code: 'custom', path: ['endsOn'], params: { rule: 'not_before_start' }, input: v.endsOn });
  });
export type CreatePairingRequest = z.infer<typeof CreatePairingRequest>;

/** What the office may change on a pairing: its role, last day and yearly pledge. */
export const UpdatePairingRequest = z
  .strictObject({
    role: PairingRole.optional(),
    endsOn: IsoDate.nullish(),
    pledgeFen: NonNegativeFen.nullish(),
  })
  .refine((b) => Object.keys(b).length > 0, { params: { rule: 'required' } });
export type UpdatePairingRequest = z.infer<typeof UpdatePairingRequest>;

/** Where a pairing stands on a day: running, not started yet, or ended. */
export const PairingState = z.enum(['current', 'upcoming', 'ended']);
export type PairingState = z.infer<typeof PairingState>;

/** Filters of the pairings list; `state` is judged on today's business date. A page at a time. */
export const PairingListQuery = z.strictObject({
  townId: z.uuid().optional(),
  buyerOrgId: z.uuid().optional(),
  state: PairingState.optional(),
  ...PageQuery.shape,
});
export type PairingListQuery = z.infer<typeof PairingListQuery>;
export const PairingPage = Page(Pairing);
export type PairingPage = z.infer<typeof PairingPage>;
