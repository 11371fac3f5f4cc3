import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('architecture rules enforced by lint', () => {
  it('process.env is read only in an app’s env.ts', async () => {
    expect(await ruleIds('export const url = process.env.DATABASE_URL;\n', 'apps/api/src/modules/x/x.ts')).toContain(
      'no-restricted-properties',
    );
    expect(await ruleIds('export const url = process.env.DATABASE_URL;\n', 'packages/db/src/x.ts')).toContain(
      'no-restricted-properties',
    );
    expect(await ruleIds('export const url = process.env.DATABASE_URL;\n', 'apps/api/src/env.ts')).not.toContain(
      'no-restricted-properties',
    );
  });

  it('the web app cannot import the database package or server-only libraries', async () => {
    expect(
      await ruleIds("import { schema } from '@shanhai/db';\nexport const s = schema;\n", 'apps/web/src/x.ts'),
    ).toContain('no-restricted-imports');
    expect(await ruleIds("import pg from 'pg';\nexport const p = pg;\n", 'apps/web/src/x.ts')).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds("import { Fen } from '@shanhai/domain';\nexport const f = Fen;\n", 'apps/web/src/x.ts'),
    ).toEqual([]);
  });

  it('apps never import each other', async () => {
    expect(
      await ruleIds(
        "import { buildApp } from '@shanhai/api/app';\nexport const b = buildApp;\n",
        'apps/worker/src/x.ts',
      ),
    ).toContain('no-restricted-imports');
  });

  it('CSV is written only by lib/csv.ts, where the formula guard is', async () => {
    const code = "import { stringify } from 'csv-stringify/sync';\nexport const s = stringify;\n";
    expect(await ruleIds(code, 'apps/api/src/modules/orders/orders-routes.ts')).toContain('no-restricted-imports');
    expect(await ruleIds(code, 'apps/api/src/lib/csv.ts')).not.toContain('no-restricted-imports');
  });
});
