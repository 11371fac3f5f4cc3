/**
 * A tally worker that folds one batch and then hangs before committing, so that the test can
 * SIGKILL it in the middle of the batch.
 */
import { createDb, foldBatch } from '@shanhai/db';

const handle = createDb(process.env.DATABASE_URL ?? '', { max: 1 });
await foldBatch(handle.db, Number(process.env.BATCH ?? 1000), {
  beforeCommit: async (r) => {
    process.stdout.write(`FOLDED ${r.rows}\n`);
    await new Promise(() => undefined);
  },
});
