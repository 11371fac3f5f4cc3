import { z } from 'zod';
import { Category, ListingStatus } from '../catalog';
import { PositiveFen } from '../money';
import { MAX_TIERS, PriceTier, tierProblems } from '../pricing';
import { UNIT_NAME_RE } from '../sale-unit';
import { pgString } from '../storage';

export const MAX_PHOTOS = 8;

/**
 * Most units a product may hold in stock, set or reached by adjustments: far under int4, so that
 * stock given back by cancellations can never overflow the column.
 */
export const MAX_STOCK = 100_000_000;

/** A stored photo: only URLs the upload endpoint hands out (`/media/<sha256>.<ext>`). */
export const PhotoUrl = z.stringFormat('photo_url', /^\/media\/[0-9a-f]{64}\.(jpg|png|webp)$/);

const Text = (max: number) => pgString().trim().min(1).max(max);
/** A sale unit's name alone ("瓶"); its weight or count goes in the specification. */
const UnitName = (max: number) =>
  Text(max).refine((v) => UNIT_NAME_RE.test(v), { params: { rule: 'unit_name' }, abort: true });
/** Optional text: an empty string clears it. */
const OptionalText = (max: number) =>
  pgString()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullish();

/** English certifications, position by position with the Chinese ones (checked by the services). */
const CertificationsEn = z.array(pgString().trim().max(60)).max(20);

/**
 * What a cooperative may set on its product. Strict: `status`, `townId`, `cooperativeId`, `id`
 * (or any other unknown key) in a body is a 400. The tier rules (first minQty = MOQ, ascending,
 * never dearer per unit) are checked by the service against `tierProblems`, naming the field.
 */
export const ProductInput = z.strictObject({
  category: Category,
  nameZh: Text(80),
  nameEn: Text(120).nullish(),
  description: pgString().trim().max(4000).nullish(),
  descriptionEn: OptionalText(6000),
  unitLabel: UnitName(10),
  unitSpec: OptionalText(40),
  unitLabelEn: OptionalText(20),
  unitSpecEn: OptionalText(40),
  moq: z.number().int().min(1).max(1_000_000),
  orderStep: z.number().int().min(1).max(1_000_000).default(1),
  stock: z.number().int().min(0).max(MAX_STOCK).default(0),
  leadTimeDays: z.number().int().min(0).max(365).default(3),
  certifications: z.array(Text(40)).max(20).default([]),
  certificationsEn: CertificationsEn.default([]),
  photos: z.array(PhotoUrl).max(MAX_PHOTOS).default([]),
  priceTiers: z.array(PriceTier).min(1).max(MAX_TIERS),
});
export type ProductInput = z.infer<typeof ProductInput>;

/**
 * A product with the tier rules checked too, each broken rule an issue at its field
 * (`priceTiers.1.minQty`): what a product form checks before it sends. The api checks the same
 * rules with `tierProblems` once a patch is merged with the stored product.
 */
export const CheckedProductInput = ProductInput.superRefine((p, ctx) => {
  if (p.certificationsEn.length > p.certifications.length)
    ctx.addIssue({
      code: 'custom',
      path: ['certificationsEn'],
      params: { rule: 'more_than_zh', max: p.certifications.length },
      input: p.certificationsEn,
    });
  for (const problem of tierProblems(p.priceTiers, p.moq)) {
    const under = problem.path ? problem.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : [];
    ctx.addIssue({
      code: 'custom',
      path: ['priceTiers', ...under],
      params: { rule: problem.rule, ...problem.params },
      input: p.priceTiers,
    });
  }
});

/** A partial edit; the same keys, all optional, still strict. */
export const ProductPatch = z.strictObject({
  category: Category.optional(),
  nameZh: Text(80).optional(),
  nameEn: Text(120).nullish(),
  description: pgString().trim().max(4000).nullish(),
  descriptionEn: OptionalText(6000),
  unitLabel: UnitName(10).optional(),
  unitSpec: OptionalText(40),
  unitLabelEn: OptionalText(20),
  unitSpecEn: OptionalText(40),
  moq: z.number().int().min(1).max(1_000_000).optional(),
  orderStep: z.number().int().min(1).max(1_000_000).optional(),
  stock: z.number().int().min(0).max(MAX_STOCK).optional(),
  leadTimeDays: z.number().int().min(0).max(365).optional(),
  certifications: z.array(Text(40)).max(20).optional(),
  certificationsEn: CertificationsEn.optional(),
  photos: z.array(PhotoUrl).max(MAX_PHOTOS).optional(),
  priceTiers: z.array(PriceTier).min(1).max(MAX_TIERS).optional(),
});
export type ProductPatch = z.infer<typeof ProductPatch>;

/** Stock changes never need review: a signed change, refused if stock would go below zero. */
export const StockAdjustRequest = z.strictObject({
  delta: z
    .number()
    .int()
    .min(-MAX_STOCK)
    .max(MAX_STOCK)
    .refine((d) => d !== 0, { params: { rule: 'not_zero' } }),
});
export type StockAdjustRequest = z.infer<typeof StockAdjustRequest>;

export const RejectListingRequest = z.strictObject({ reason: pgString().trim().min(2).max(500) });
export type RejectListingRequest = z.infer<typeof RejectListingRequest>;

/** Fields of a listed product whose change waits for the office while the approved version stays on sale. */
export const ProductRevision = z.object({
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  moq: z.number().int(),
  orderStep: z.number().int(),
  priceTiers: z.array(PriceTier),
});
export type ProductRevision = z.infer<typeof ProductRevision>;

/** What a listing says, in its cooperative's view (OwnProduct) and on the buyer's product page (ProductDetail). */
const listing = {
  category: Category,
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  description: z.string().nullable(),
  descriptionEn: z.string().nullable(),
  unitLabel: z.string(),
  unitSpec: z.string().nullable(),
  unitLabelEn: z.string().nullable(),
  unitSpecEn: z.string().nullable(),
  moq: z.number().int(),
  orderStep: z.number().int(),
  stock: z.number().int(),
  leadTimeDays: z.number().int(),
  certifications: z.array(z.string()),
  certificationsEn: z.array(z.string()),
  photos: z.array(z.string()),
  priceTiers: z.array(PriceTier),
  status: ListingStatus,
};

/** A product as its cooperative (or the office) sees it. */
export const OwnProduct = z.object({
  id: z.uuid(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  townId: z.uuid(),
  ...listing,
  rejectionReason: z.string().nullable(),
  /** An edit of name/tiers waiting for review; the fields above stay on sale meanwhile. */
  pendingRevision: ProductRevision.nullable(),
  isDemo: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type OwnProduct = z.infer<typeof OwnProduct>;

export const PhotoUploadResponse = z.object({ url: PhotoUrl, mime: z.string(), size: z.number().int() });
export type PhotoUploadResponse = z.infer<typeof PhotoUploadResponse>;

export const CatalogSort = z.enum(['relevance', 'price_asc', 'price_desc', 'newest']);
export type CatalogSort = z.infer<typeof CatalogSort>;

const Bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const CatalogQuery = z
  .strictObject({
    q: pgString().trim().max(100).optional(),
    /** Town code (e.g. `daping`) or id. */
    town: pgString().max(64).optional(),
    county: pgString().max(64).optional(),
    category: Category.optional(),
    /** A cooperative's products (a cooperative picked from the search suggestions). */
    cooperative: z.uuid().optional(),
    minPrice: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    maxPrice: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    inStock: Bool.optional(),
    sort: CatalogSort.default('relevance'),
    cursor: pgString().max(300).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(24),
  })
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, {
    path: ['maxPrice'],
    params: { rule: 'max_below_min' },
  });
export type CatalogQuery = z.infer<typeof CatalogQuery>;

export const CatalogItem = z.object({
  id: z.uuid(),
  category: Category,
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  unitLabel: z.string(),
  unitSpec: z.string().nullable(),
  unitLabelEn: z.string().nullable(),
  unitSpecEn: z.string().nullable(),
  moq: z.number().int(),
  /** Unit price at the MOQ (the first tier), in fen. */
  basePriceFen: PositiveFen,
  /** Lowest unit price of any tier, in fen. */
  lowestPriceFen: PositiveFen,
  stock: z.number().int(),
  photo: z.string().nullable(),
  townId: z.uuid(),
  townCode: z.string(),
  townNameZh: z.string(),
  townNameEn: z.string(),
  cooperativeName: z.string(),
  isDemo: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type CatalogItem = z.infer<typeof CatalogItem>;

export const FacetCount = z.object({ key: z.string(), count: z.number().int() });
export const CatalogResponse = z.object({
  items: z.array(CatalogItem),
  nextCursor: z.string().nullable(),
  facets: z.object({
    town: z.array(FacetCount),
    category: z.array(FacetCount),
    /** Counting stops at this many matches (facets of a broad search are "at least"). */
    capped: z.boolean(),
  }),
  /**
   * True when no product has every word of `q` and these are the closest names instead (typo
   * tolerance); `didYouMean` is then the best of them, to offer as the corrected search.
   */
  fuzzy: z.boolean(),
  didYouMean: z.string().nullable(),
});
export type CatalogResponse = z.infer<typeof CatalogResponse>;

export const ProductDetail = z.object({
  id: z.uuid(),
  /** "SH1001": what a buyer writes in a quick order. */
  code: z.string(),
  ...listing,
  isDemo: z.boolean(),
  town: z.object({ id: z.uuid(), code: z.string(), nameZh: z.string(), nameEn: z.string() }),
  county: z.object({ id: z.uuid(), code: z.string(), nameZh: z.string(), nameEn: z.string() }),
  cooperative: z.object({ id: z.uuid(), name: z.string() }),
});
export type ProductDetail = z.infer<typeof ProductDetail>;
