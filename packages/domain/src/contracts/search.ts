import { z } from 'zod';
import { Category } from '../catalog';
import { pgString } from '../storage';

/** What the header's search box asks while the buyer types. */
export const SuggestQuery = z.strictObject({
  q: pgString().trim().min(1).max(100),
  /** Per kind (products, towns, cooperatives, categories). */
  limit: z.coerce.number().int().min(1).max(10).default(6),
});
export type SuggestQuery = z.infer<typeof SuggestQuery>;

export const Suggestions = z.object({
  products: z.array(
    z.object({
      id: z.uuid(),
      /** The product code (SH1001): typing it finds the product. */
      code: z.string(),
      nameZh: z.string(),
      nameEn: z.string().nullable(),
      townNameZh: z.string(),
      townNameEn: z.string(),
    }),
  ),
  towns: z.array(
    z.object({
      code: z.string(),
      nameZh: z.string(),
      nameEn: z.string(),
      countyNameZh: z.string(),
      countyNameEn: z.string(),
    }),
  ),
  cooperatives: z.array(z.object({ id: z.uuid(), name: z.string(), townNameZh: z.string(), townNameEn: z.string() })),
  categories: z.array(Category),
});
export type Suggestions = z.infer<typeof Suggestions>;
