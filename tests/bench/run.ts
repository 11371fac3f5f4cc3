/**
 * `npm run bench`: every benchmark script in turn. Each prints a markdown table of its figures
 * with the ratios against its in-run baseline; copy them into docs/benchmarks.md with the
 * command, the date and the machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Add a benchmark here when you add its script. */
const BENCHES: string[] = [
  'catalog',
  'orders',
  'sales',
  'start',
  'fanout',
  'bankmatch',
  'notify',
  'search',
  'settlement',
];

const here = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
for (const name of BENCHES) {
  console.log(`\n━━ bench: ${name} ━━`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (BENCHES.length === 0) console.log('no benchmarks registered yet');
process.exit(failed ? 1 : 0);
