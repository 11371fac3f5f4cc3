// pnpm hooks (https://pnpm.io/pnpmfile): what we change in third-party manifests, and why.
//
// The images hold `pnpm deploy --prod` of each app, and nothing that only type-checks belongs in
// them (tests/integration/images.test.ts):
// - optional peers that only carry types (typescript, @types/*) are dropped: pnpm satisfies them
//   with our devDependencies and then links those into production installs (pnpm/pnpm#15344), so
//   the api image carried TypeScript (valibot's optional peer, through Bull Board);
// - `@types/node` is dropped from dependencies (fast-csv's, through exceljs): Node's own types, which
//   every workspace package brings as a devDependency;
// - `@types/pg` and `@types/pg-pool` are dropped from @opentelemetry/instrumentation-pg's
//   dependencies: they only type its declarations, which type-checking skips (skipLibCheck).
function readPackage(pkg) {
  const meta = pkg.peerDependenciesMeta ?? {};
  for (const name of Object.keys(pkg.peerDependencies ?? {})) {
    if (meta[name]?.optional && (name === 'typescript' || name.startsWith('@types/'))) {
      delete pkg.peerDependencies[name];
      delete meta[name];
    }
  }
  if (pkg.dependencies?.['@types/node']) delete pkg.dependencies['@types/node'];
  if (pkg.name === '@opentelemetry/instrumentation-pg')
    for (const name of ['@types/pg', '@types/pg-pool']) delete pkg.dependencies?.[name];
  return pkg;
}

module.exports = { hooks: { readPackage } };
