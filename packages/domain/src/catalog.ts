import { z } from 'zod';

/** Product categories of the programme (also the category of every sales-ledger row). */
export const CATEGORIES = [
  'honey',
  'fruit',
  'poultry',
  'herbs',
  'grain_oil',
  'tea',
  'prepared_food',
  'crafts',
  'other',
] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

/** `draft → pending_review → listed | rejected`, `listed ↔ delisted`. Only `listed` products of active cooperatives are sold. */
export const ListingStatus = z.enum(['draft', 'pending_review', 'listed', 'rejected', 'delisted']);
export type ListingStatus = z.infer<typeof ListingStatus>;
