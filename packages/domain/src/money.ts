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

/**
 * A computed amount (a line total, a sum) past what a JS number holds exactly, and so past what
 * its bigint column may be given. `field` names the request field that made it, when one did: the
 * api answers 400 naming it; without a field, 409 (the stored state makes the amount).
 */
export class AmountOutOfRange extends RangeError {
  constructor(
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'AmountOutOfRange';
  }
}

/** Whole yuan to fen; throws on a result outside the safe integer range. */
export function yuanToFen(yuan: number): number {
  const fen = Math.round(yuan * FEN_PER_YUAN);
  if (!Number.isSafeInteger(fen)) throw new AmountOutOfRange(`${yuan} yuan is out of range`);
  return fen;
}

/** Sum of fen amounts that refuses to leave the safe integer range silently (`field` made it). */
export function sumFen(amounts: Iterable<number>, field: string | null = null): number {
  let total = 0;
  for (const a of amounts) {
    total += a;
    if (!Number.isSafeInteger(total)) throw new AmountOutOfRange('fen total is out of the safe integer range', field);
  }
  return total;
}
