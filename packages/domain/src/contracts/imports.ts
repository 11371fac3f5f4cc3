import { z } from 'zod';
import { Fen } from '../money';
import { FieldError } from './problem';

/**
 * A refused row of an import: `field` is the column as the file names it; `code` and `params` word
 * the problem as the JSON endpoint words the same field (field-messages.ts), `message` in English.
 */
export const ImportRowError = FieldError.extend({ row: z.number().int() });
export const ImportResult = z.object({
  dryRun: z.boolean(),
  fileHash: z.string(),
  rows: z.number().int(),
  errors: z.array(ImportRowError),
  /** What the file adds (dry run: would add) per town, in fen. */
  totals: z.array(
    z.object({ townId: z.uuid(), code: z.string(), nameZh: z.string(), rows: z.number().int(), amountFen: Fen }),
  ),
  /** Rows newly added to the ledger (0 on a dry run or a repeated file). */
  addedRows: z.number().int(),
});
export type ImportResult = z.infer<typeof ImportResult>;
