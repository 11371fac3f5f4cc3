// Production build of a server app (api, worker): esbuild bundles the app's own source and the
// workspace packages (@shanhai/*) into dist/ as ES modules; every third-party package stays an
// import, resolved at run time from the app's production dependencies (`pnpm deploy --prod`).
// Plain JavaScript so that it runs before anything is compiled.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Source that exists for tests only: it must never reach a production bundle. */
const TEST_SUPPORT = [
  /\.test\.ts$/,
  /(^|\/)testing\.ts$/,
  /(^|\/)fake-[\w-]+\.ts$/,
  /(^|\/)test-support\//,
  /^tests\//,
];

/** Node's built-ins are never run-time dependencies. */
const BUILTINS = new Set(builtinModules);
const isBuiltin = (name) => name.startsWith('node:') || BUILTINS.has(name);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/**
 * Third-party packages compiled into the bundle instead of imported at run time: plain ES modules
 * with no files of their own to read and nothing that tracing patches, made of many small modules
 * (zod ≈ 95, drizzle-orm ≈ 110) that Node would otherwise resolve, read and link one by one at
 * every start (docs/benchmarks.md, bench:start). zod goes with its one other importer, so that the
 * process holds one zod, and that importer with its own dependency, which an app cannot import.
 */
const IN_BUNDLE = new Set(['zod', 'drizzle-orm', 'fastify-type-provider-zod', '@fastify/error']);

/** A CommonJS package in the bundle (@fastify/error) requires Node's built-ins: give ES modules `require`. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/**
 * Bundles `entries` (paths relative to `appDir`) into `outdir` (default `appDir/dist`; another
 * folder must sit under `appDir` for the app's packages to resolve). With `migrations`, copies
 * migrations/ into `outdir`/migrations, where the bundled migrator looks for it.
 * Fails when the bundle imports a package that is not a production dependency of the app, or
 * when test support was pulled in.
 */
export async function bundleApp(appDir, entries, { migrations = false, quiet = false, outdir: out } = {}) {
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  const prodDeps = new Set(Object.keys(pkg.dependencies ?? {}));
  const outdir = out ? resolve(appDir, out) : join(appDir, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: appDir,
    entryPoints: entries,
    outdir,
    bundle: true,
    // Chunks: a module loaded with import() (tracing) stays out of the start-up path.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
    define: migrations ? { SHANHAI_BUNDLED_MIGRATIONS: JSON.stringify('./migrations') } : {},
    plugins: [
      {
        name: 'third-party-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@shanhai/') || IN_BUNDLE.has(packageName(args.path))) return undefined;
            // Side-effect free: an import whose bindings the app never uses (argon2 in the worker,
            // through @shanhai/db's index) is dropped instead of becoming a run-time dependency.
            return { path: args.path, external: true, sideEffects: false };
          });
        },
      },
    ],
  });
  const externals = new Set();
  for (const output of Object.values(result.metafile.outputs))
    for (const i of output.imports) if (i.external && !isBuiltin(i.path)) externals.add(packageName(i.path));
  const problems = [];
  for (const name of externals) {
    if (!prodDeps.has(name)) problems.push(`imports ${name}, which is not in ${pkg.name}'s dependencies`);
  }
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = relative(ROOT, join(appDir, input)).replaceAll('\\', '/');
    if (TEST_SUPPORT.some((re) => re.test(path))) problems.push(`contains test support: ${path}`);
  }
  if (problems.length) throw new Error(`${pkg.name} build:\n  ${problems.join('\n  ')}`);
  if (migrations) cpSync(join(ROOT, 'migrations'), join(outdir, 'migrations'), { recursive: true });
  return { outdir, externals: [...externals].sort(), inputs: Object.keys(result.metafile.inputs).length };
}
