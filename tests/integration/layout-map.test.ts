import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layout map in docs/architecture.md is the newcomer's "one guess" for where a feature lives
// (issue 12). It drifts silently when a module, job or schema file is added without it, so this
// test reads the map and compares it with the tree both ways.
const root = fileURLToPath(new URL('../..', import.meta.url));
const architecture = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const map = /## Layout\n\n```\n([\s\S]*?)\n```/.exec(architecture)?.[1] ?? '';

interface Entry {
  /** Path of the entry relative to the repository root. */
  path: string;
  line: string;
}

/**
 * Each map line starting with a path names a file or folder: a line without indentation is
 * relative to the root, an indented one to the last top-level folder above it, and one indented
 * further under `src/modules/<feature>/` to the api's modules folder.
 */
function entries(): Entry[] {
  const found: Entry[] = [];
  let top = '';
  let nested = '';
  for (const line of map.split('\n')) {
    const match = /^( *)(\S+)/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    const token = match[2]!.replace(/,$/, '');
    const looksLikePath = /[./]/.test(token) && !/[<{]/.test(token);
    if (indent === 0) {
      top = token.endsWith('/') ? token : '';
      if (looksLikePath) found.push({ path: token, line });
    } else if (indent === 2) {
      nested = token.includes('<') && token.endsWith('/') ? token.slice(0, token.indexOf('<')) : '';
      if (looksLikePath && top) found.push({ path: top + token, line });
    } else if (indent === 4 && nested && looksLikePath && top) {
      found.push({ path: top + nested + token, line });
    }
  }
  return found;
}

const listed = (dir: string, keep: (name: string) => boolean) => readdirSync(join(root, dir)).filter(keep).sort();

/** The names in the map's line (or continuation lines) that starts with `prefix`. */
function namesAfter(prefix: string): string {
  const start = map.indexOf(prefix);
  expect(start, `the map has a line for ${prefix}`).toBeGreaterThanOrEqual(0);
  const rest = map.slice(start).split('\n');
  const block = [rest[0]!];
  for (const line of rest.slice(1)) {
    if (!/^ {20,}\S/.test(line)) break; // a continuation line is indented to the description column
    block.push(line);
  }
  return block.join(' ');
}

describe('the layout map in docs/architecture.md', () => {
  it('names only paths that exist', () => {
    const all = entries();
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter((e) => !existsSync(join(root, e.path))).map((e) => `${e.path}  (${e.line.trim()})`);
    expect(missing).toEqual([]);
  });

  it('names every api module', () => {
    const named = entries().map((e) => e.path);
    const modules = listed('apps/api/src/modules', (n) => !n.includes('.'));
    expect(modules.filter((m) => !named.includes(`apps/api/src/modules/${m}/`))).toEqual([]);
  });

  it('names every worker job, schema file, domain contract and web view folder', () => {
    const jobs = listed('apps/worker/src/jobs', (n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));
    const jobLine = namesAfter('src/jobs/<job>.ts');
    expect(jobs.filter((j) => !jobLine.includes(j.replace(/\.ts$/, '')))).toEqual([]);

    const schemas = listed('packages/db/src/schema', (n) => n.endsWith('.ts') && n !== 'index.ts');
    const schemaLine = namesAfter('src/schema/<aggregate>.ts');
    expect(schemas.filter((s) => !schemaLine.includes(s.replace(/\.ts$/, '')))).toEqual([]);

    const contracts = listed('packages/domain/src/contracts', (n) => n.endsWith('.ts') && n !== 'index.ts');
    const contractLine = namesAfter('src/contracts/<feature>.ts');
    expect(contracts.filter((c) => !contractLine.includes(c.replace(/\.ts$/, '')))).toEqual([]);

    const dbBlock = map.slice(map.indexOf('\npackages/db/'), map.indexOf('\npackages/devstack/'));
    const dbFiles = listed('packages/db/src', (n) => !n.endsWith('.test.ts') && n !== 'index.ts');
    expect(dbFiles.filter((f) => !dbBlock.includes(f.includes('.') ? f : `${f}/`))).toEqual([]);

    const views = listed('apps/web/src/views', (n) => !n.includes('.'));
    const viewLine = namesAfter('src/views/<role or feature>/');
    expect(views.filter((v) => !viewLine.includes(`${v}/`))).toEqual([]);
  });

  it('keeps the api’s test support out of its source tree and its package exports', () => {
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`],
      );
    expect(walk('apps/api/src').filter((f) => /\/(testing|fake-[\w-]+)\.ts$/.test(f))).toEqual([]);
    expect(existsSync(join(root, 'apps/api/test-support/fake-stripe.ts'))).toBe(true);
    expect(existsSync(join(root, 'apps/api/test-support/testing.ts'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'apps/api/package.json'), 'utf8')) as {
      exports: Record<string, string>;
      files: string[];
    };
    expect(Object.values(pkg.exports).filter((target) => !target.startsWith('./src/'))).toEqual([]);
    // What `pnpm deploy --prod` copies into the image: the bundle only (scripts/bundle.mjs refuses test support).
    expect(pkg.files).toEqual(['dist']);
  });
});
