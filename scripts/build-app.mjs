#!/usr/bin/env node
// `pnpm build` of a server app, run in the app's folder:
//   node ../../scripts/build-app.mjs [--migrations] [--outdir=<folder under the app>] <entry.ts>…
import { bundleApp } from './bundle.mjs';

const args = process.argv.slice(2);
const entries = args.filter((a) => !a.startsWith('--'));
const started = performance.now();
const outdir = args.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length);
const out = await bundleApp(process.cwd(), entries, { migrations: args.includes('--migrations'), outdir });
process.stdout.write(
  `built ${entries.join(', ')} → ${out.outdir} (${out.inputs} modules, ${Math.round(performance.now() - started)} ms); ` +
    `run-time packages: ${out.externals.join(', ')}\n`,
);
