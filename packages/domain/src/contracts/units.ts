import { z } from 'zod';
import { IsoDate } from '../dates';
import { Category } from '../catalog';
import { Fen, NonNegativeFen } from '../money';
import { OrgStatus } from './identity';
import { Page, PageQuery } from './page';
import { pgString } from '../storage';

/*
 * Budget units' reserved share (预留份额): the office's yearly rules, which buyer orgs are budget
 * units, and each unit's yearly declaration. Ratios are basis points (1000 = 10%) so that every
 * stored figure is an integer.
 */

export const UnitKind = z.enum(['agency', 'institution', 'soe', 'union', 'other']);
export type UnitKind = z.infer<typeof UnitKind>;

/** A ratio in basis points: 0 to 10,000 (100%). */
export const RatioBp = z.number().int().min(0).max(10_000);
export type RatioBp = z.infer<typeof RatioBp>;

/** The national floor (10%) where the office has set nothing for a year. */
export const DEFAULT_MIN_RATIO_BP = 1000;

/** total × ratio, rounded half up to the fen; exact for any safe-integer total. */
export function reservedFen(totalFen: number, ratioBp: number): number {
  return Number((BigInt(totalFen) * BigInt(ratioBp) + 5000n) / 10_000n);
}

export const UnitYearSettings = z.object({
  year: z.number().int(),
  minRatioBp: RatioBp,
  /** Last day (Asia/Shanghai) to declare for the first time; null = no deadline. */
  declarationDeadline: IsoDate.nullable(),
});
export type UnitYearSettings = z.infer<typeof UnitYearSettings>;

export const PutUnitYearSettingsRequest = z.strictObject({
  minRatioBp: RatioBp,
  declarationDeadline: IsoDate.nullable(),
});
export type PutUnitYearSettingsRequest = z.infer<typeof PutUnitYearSettingsRequest>;

/** A year of the budget-unit status: which buyer orgs are budget units is set per year. */
const StatusYear = z.number().int().min(2000).max(2100);

export const ClassifyUnitRequest = z.strictObject({
  year: StatusYear,
  isBudgetUnit: z.boolean(),
  unitKind: UnitKind.nullable(),
});
export type ClassifyUnitRequest = z.infer<typeof ClassifyUnitRequest>;

export const UnitSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  unitKind: UnitKind.nullable(),
  /** A budget unit in the year asked about (the declaration's year, the list's year). */
  isBudgetUnit: z.boolean(),
});
export type UnitSummary = z.infer<typeof UnitSummary>;

/** The office's classify screen: buyer orgs by name, budget units in `year` (default this year) or not. */
export const UnitListQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  /** A part of the unit's name or of its unified social credit code, any case. */
  q: pgString().trim().max(100).optional(),
  budget: z.enum(['yes', 'no']).optional(),
  kind: UnitKind.optional(),
  ...PageQuery.shape,
});
export type UnitListQuery = z.infer<typeof UnitListQuery>;

/**
 * The shared-canteen picker's list: a year's active budget units (default this year), searched like
 * GET /units (`q`, a part of the name or credit code), a page at a time.
 */
export const BudgetUnitListQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  q: pgString().trim().max(100).optional(),
  ...PageQuery.shape,
});
export type BudgetUnitListQuery = z.infer<typeof BudgetUnitListQuery>;
export const BudgetUnitItem = z.object({ id: z.uuid(), name: z.string() });
export type BudgetUnitItem = z.infer<typeof BudgetUnitItem>;
export const BudgetUnitPage = Page(BudgetUnitItem);
export type BudgetUnitPage = z.infer<typeof BudgetUnitPage>;

export const UnitListItem = UnitSummary.extend({
  status: OrgStatus,
});
export type UnitListItem = z.infer<typeof UnitListItem>;
export const UnitListPage = Page(UnitListItem);
export type UnitListPage = z.infer<typeof UnitListPage>;

/** At most this many buyer orgs change in one bulk classification. */
export const MAX_BULK_CLASSIFY = 500;

/**
 * Several buyer orgs classified at once: budget units in `year` or not; `unitKind` given sets their
 * kind too (null clears it; the kind is not per year), left out keeps each one's kind.
 */
export const BulkClassifyRequest = z.strictObject({
  year: StatusYear,
  unitIds: z.array(z.uuid()).min(1).max(MAX_BULK_CLASSIFY),
  isBudgetUnit: z.boolean(),
  unitKind: UnitKind.nullable().optional(),
});
export type BulkClassifyRequest = z.infer<typeof BulkClassifyRequest>;

export const DeclarationStatus = z.enum(['draft', 'submitted', 'approved', 'returned']);
export type DeclarationStatus = z.infer<typeof DeclarationStatus>;

export const DeclarationRequest = z.strictObject({
  /** Yearly canteen food procurement total, fen. */
  totalFen: NonNegativeFen,
  ratioBp: RatioBp,
  canteenOutsourced: z.boolean().default(false),
  /** Another budget unit whose declaration covers the canteen this unit shares. */
  sharedCanteenOrgId: z.uuid().nullish(),
  note: pgString().trim().max(500).nullish(),
});
export type DeclarationRequest = z.infer<typeof DeclarationRequest>;

export const Declaration = z.object({
  id: z.uuid(),
  buyerOrgId: z.uuid(),
  buyerOrgName: z.string(),
  year: z.number().int(),
  version: z.number().int(),
  status: DeclarationStatus,
  totalFen: NonNegativeFen,
  ratioBp: RatioBp,
  /** total × ratio. */
  reservedFen: NonNegativeFen,
  canteenOutsourced: z.boolean(),
  sharedCanteenOrgId: z.uuid().nullable(),
  sharedCanteenOrgName: z.string().nullable(),
  note: z.string().nullable(),
  returnReason: z.string().nullable(),
  submittedAt: z.iso.datetime().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
});
export type Declaration = z.infer<typeof Declaration>;
export const DeclarationPage = Page(Declaration);
export type DeclarationPage = z.infer<typeof DeclarationPage>;

/** A unit's declarations for one year: the one in force (latest approved) and every version, newest first. */
export const UnitDeclarations = z.object({
  year: z.number().int(),
  settings: UnitYearSettings,
  unit: UnitSummary,
  inForce: Declaration.nullable(),
  versions: z.array(Declaration),
});
export type UnitDeclarations = z.infer<typeof UnitDeclarations>;

export const DeclarationListQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  status: DeclarationStatus.optional(),
  ...PageQuery.shape,
});
export type DeclarationListQuery = z.infer<typeof DeclarationListQuery>;

/** Filters of the office's ranking; `asOf` defaults to today (Asia/Shanghai). */
export const UnitRankingQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  asOf: IsoDate.optional(),
  kind: UnitKind.optional(),
  /** Units paired with a town of this county during the year. */
  countyId: z.uuid().optional(),
});
export type UnitRankingQuery = z.infer<typeof UnitRankingQuery>;

export const UnitProgressQuery = z.strictObject({
  asOf: IsoDate.optional(),
});
export type UnitProgressQuery = z.infer<typeof UnitProgressQuery>;

/**
 * A budget unit's progress for a year as of a day: its credited purchases and approved offline
 * records (the partner tallies) against the reserved amount in force, paced like the towns.
 */
export const UnitProgress = z.object({
  rank: z.number().int(),
  unitId: z.uuid(),
  name: z.string(),
  unitKind: UnitKind.nullable(),
  /** Status of the latest version of this year's declaration; null when none was saved. */
  declarationStatus: DeclarationStatus.nullable(),
  /** The reserved amount of the approved declaration in force; null without one. */
  reservedFen: NonNegativeFen.nullable(),
  salesFen: Fen,
  /** Sales over the reserved amount, percent to two decimals; null without a reserved amount. */
  progressPct: z.number().nullable(),
  /** The reserved amount spread to asOf along last year's curve (linear without history). */
  expectedFen: Fen,
  aheadFen: Fen,
  lastYearSamePeriodFen: Fen,
  changePct: z.number().nullable(),
  curve: z.enum(['seasonal', 'linear']),
  /** Behind its pace: a reserved amount is in force and sales are below the expected figure. */
  behindPace: z.boolean(),
  /** The year's deadline has passed (as of asOf) and the unit had submitted nothing by it. */
  notDeclaredByDeadline: z.boolean(),
});
export type UnitProgress = z.infer<typeof UnitProgress>;

export const UnitRanking = z.object({
  year: z.number().int(),
  asOf: IsoDate,
  settings: UnitYearSettings,
  rows: z.array(UnitProgress),
});
export type UnitRanking = z.infer<typeof UnitRanking>;

/** What a unit bought, month by month this year against last, by town and by category, and per pairing. */
export const UnitProgressDetail = z.object({
  year: z.number().int(),
  asOf: IsoDate,
  progress: UnitProgress,
  /** Twelve months; this year's figures stop at asOf, last year's are whole months. */
  monthly: z.array(z.object({ month: z.number().int().min(1).max(12), salesFen: Fen, lastYearFen: Fen })),
  byTown: z.array(
    z.object({ townId: z.uuid(), nameZh: z.string(), nameEn: z.string(), salesFen: Fen, lastYearSamePeriodFen: Fen }),
  ),
  byCategory: z.array(z.object({ category: Category, salesFen: Fen })),
  /** The unit's pairings active during the year: pledge against what it bought from that town. */
  pairings: z.array(
    z.object({
      pairingId: z.uuid(),
      townId: z.uuid(),
      nameZh: z.string(),
      nameEn: z.string(),
      role: z.enum(['lead', 'member']),
      startsOn: IsoDate,
      endsOn: IsoDate.nullable(),
      pledgeFen: NonNegativeFen.nullable(),
      salesFen: Fen,
      pledgeProgressPct: z.number().nullable(),
      lastYearSamePeriodFen: Fen,
    }),
  ),
});
export type UnitProgressDetail = z.infer<typeof UnitProgressDetail>;

/** The office freezes the unit ranking as of a day (by default a month's last day) under a title: the 通报. */
export const CreateUnitSnapshotRequest = z.strictObject({
  title: pgString().trim().min(1).max(100),
  asOf: IsoDate,
  /** The ranking's year; defaults to asOf's. */
  year: z.number().int().min(2000).max(2100).optional(),
});
export type CreateUnitSnapshotRequest = z.infer<typeof CreateUnitSnapshotRequest>;

export const UnitSnapshotSummary = z.object({
  id: z.uuid(),
  title: z.string(),
  year: z.number().int(),
  asOf: IsoDate,
  createdAt: z.iso.datetime(),
});
export type UnitSnapshotSummary = z.infer<typeof UnitSnapshotSummary>;
export const UnitSnapshotPage = Page(UnitSnapshotSummary);
export type UnitSnapshotPage = z.infer<typeof UnitSnapshotPage>;

/** A frozen unit ranking: the rows and the year's rules as they stood when it was taken. */
export const UnitSnapshot = UnitSnapshotSummary.extend({ settings: UnitYearSettings, rows: z.array(UnitProgress) });
export type UnitSnapshot = z.infer<typeof UnitSnapshot>;
