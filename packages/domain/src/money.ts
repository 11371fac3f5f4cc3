import { z } from 'zod';

/**
 * Money is an integer number of fen (分) everywhere: in columns, in JSON and in maths.
 * Formatting to 元 happens only in the web.
 */
export const Fen = z
  .number()
  .int()
  .refine(Number.isSafeInteger, { params: { rule: 'safe_integer' } });
export type Fen = z.infer<typeof Fen>;

/** A non-negative amount, e.g. a target or a price. */
export const NonNegativeFen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export type NonNegativeFen = z.infer<typeof NonNegativeFen>;

/** A strictly positive amount, e.g. a unit price. */
export const PositiveFen = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export type PositiveFen = z.infer<typeof PositiveFen>;

export const FEN_PER_YUAN = 100;

/** Whole yuan to fen; throws on a result outside the safe integer range. */
export function yuanToFen(yuan: number): number {
  const fen = Math.round(yuan * FEN_PER_YUAN);
  if (!Number.isSafeInteger(fen)) throw new RangeError(`${yuan} yuan is out of range`);
  return fen;
}

/** Sum of fen amounts that refuses to leave the safe integer range silently. */
export function sumFen(amounts: Iterable<number>): number {
  let total = 0;
  for (const a of amounts) {
    total += a;
    if (!Number.isSafeInteger(total)) throw new RangeError('fen total is out of the safe integer range');
  }
  return total;
}
