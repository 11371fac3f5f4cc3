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

/** Each category's name as people write it in a spreadsheet (an import accepts these or the key). */
export const CATEGORY_NAMES: Record<Category, { zh: string; en: string }> = {
  honey: { zh: '蜂蜜', en: 'Honey' },
  fruit: { zh: '水果', en: 'Fruit' },
  poultry: { zh: '禽类', en: 'Poultry' },
  herbs: { zh: '药材', en: 'Herbs' },
  grain_oil: { zh: '粮油', en: 'Grain & oil' },
  tea: { zh: '茶叶', en: 'Tea' },
  prepared_food: { zh: '预制菜', en: 'Prepared food' },
  crafts: { zh: '手工艺品', en: 'Crafts' },
  other: { zh: '其他', en: 'Other' },
};

/** `draft → pending_review → listed | rejected`, `listed ↔ delisted`. Only `listed` products of active cooperatives are sold. */
export const ListingStatus = z.enum(['draft', 'pending_review', 'listed', 'rejected', 'delisted']);
export type ListingStatus = z.infer<typeof ListingStatus>;
