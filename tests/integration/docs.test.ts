import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 12: the README is the newcomer's page (at most 150 lines, with what a newcomer needs first)
// and the rest lives in docs/. Both drift as features land; this test reads them.
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const headings = (text: string) => [...text.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!);

describe('README.md', () => {
  const readme = read('README.md');

  it('fits in 150 lines', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150);
  });

  it('has what the product is and who uses it, the two commands, prerequisites, configuration, demo logins and the layout', () => {
    expect(headings(readme)).toEqual(
      expect.arrayContaining(['Who uses it', 'Run it', 'Demo logins', 'Configuration', 'Layout', 'Further reading']),
    );
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
    expect(readme).toContain('**Prerequisites:**');
  });

  it('shows screenshots and links that exist', () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    const local = targets.filter((t) => !/^[a-z]+:/.test(t));
    expect(local.filter((t) => t.startsWith('docs/images/')).length).toBeGreaterThanOrEqual(2);
    for (const doc of ['docs/architecture.md', 'docs/api.md', 'docs/operations.md', 'docs/benchmarks.md'])
      expect(local).toContain(doc);
    expect(local.filter((t) => !existsSync(join(root, t)))).toEqual([]);
  });

  it('names in its layout only paths that exist, and says why services live in packages/db', () => {
    const layout = /## Layout\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    const paths = [...layout.matchAll(/^(\S+)/gm)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(6);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
    expect(layout).toMatch(/packages\/db[\s\S]*SQL\s+that both api and worker run/);
  });
});

describe('docs/', () => {
  it('architecture.md: the layout, the request path, the ledger and tallies, caches, why each invariant holds', () => {
    expect(headings(read('docs/architecture.md'))).toEqual(
      expect.arrayContaining([
        'Layout',
        'The request path',
        'The sales ledger and the tallies',
        'Caches and the live board',
        'Why each invariant holds',
      ]),
    );
  });

  it('api.md: problem JSON, idempotency keys, pagination, authentication', () => {
    expect(headings(read('docs/api.md'))).toEqual(
      expect.arrayContaining(['Errors: problem JSON', 'Idempotency-Key', 'Pagination and lists', 'Authentication']),
    );
  });

  it('operations.md: deploying, configuration, backups, upgrades, Bull Board, metrics', () => {
    expect(headings(read('docs/operations.md'))).toEqual(
      expect.arrayContaining([
        'Deploying',
        'Configuration',
        'Backups',
        'Upgrades and migrations',
        'Bull Board',
        'Health and metrics',
      ]),
    );
  });

  it('benchmarks.md: a section per benchmark with its command, and dated figures', () => {
    const text = read('docs/benchmarks.md');
    const benches = /BENCHES[^=]*=\s*\[([^\]]*)\]/.exec(read('tests/bench/run.ts'))?.[1] ?? '';
    const names = [...benches.matchAll(/'([\w-]+)'/g)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['orders', 'sales', 'catalog']));
    for (const name of names) {
      const start = text.indexOf(`\n## bench:${name} `);
      expect(start, `docs/benchmarks.md has a section for bench:${name}`).toBeGreaterThanOrEqual(0);
      const end = text.indexOf('\n## ', start + 1);
      const section = text.slice(start + 1, end < 0 ? undefined : end);
      expect(section, `bench:${name} names its command`).toContain(`bench:${name}`);
      expect(section, `bench:${name} has dated figures`).toMatch(/^### .*\d{4}-\d{2}-\d{2}/m);
    }
  });
});
