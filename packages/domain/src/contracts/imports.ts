import { z } from 'zod';
import { Fen } from '../money';

export const ImportRowError = z.object({ row: z.number().int(), field: z.string(), message: z.string() });
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
