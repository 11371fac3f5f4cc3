import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createOrgWithUser, createProduct, useTestDatabase } from '../test-support/testing';

/**
 * Migration 0023 (issue 14: "migrate existing products"): the old one-field sale units written
 * before the split ("500 g 瓶", "5 kg 箱", "500g瓶", "约 450 g 只") become a unit name and a
 * specification, so a quantity reads "10 瓶" beside "500 g/瓶"; a bare name stays as it is, and
 * running it again changes nothing. The rows are written as the old code wrote them (no
 * specification), then the migration's own statements run over them.
 */
const h = useTestDatabase('demo');
const MIGRATION = readFileSync(new URL('../../../migrations/0023_split_sale_units.sql', import.meta.url), 'utf8');

async function migrate() {
  for (const statement of MIGRATION.split('--> statement-breakpoint')) {
    const text = statement.replace(/^\s*--.*$/gm, '').trim();
    if (text) await h.pool.query(text);
  }
}

describe('migration 0023: one-field sale units split into a name and a specification', () => {
  it('splits weights and counts run into the name, leaves bare names, and is idempotent', async () => {
    const { org } = await createOrgWithUser(h.db, { kind: 'cooperative', townCode: 'dakun' });
    const OLD: [string, string, string | null][] = [
      ['500 g 瓶', '瓶', '500 g/瓶'],
      ['5 kg 箱', '箱', '5 kg/箱'],
      ['500g瓶', '瓶', '500g/瓶'],
      ['1000 支 包', '包', '1000 支/包'],
      ['约 450 g 只', '只', '约 450 g/只'],
      ['只', '只', null],
      ['箱', '箱', null],
    ];
    const ids: string[] = [];
    for (const [label] of OLD)
      ids.push((await createProduct(h.db, { cooperativeId: org.id, unitLabel: label, unitSpec: null })).id);
    const read = async () =>
      (
        await h.db.execute<{ id: string; unit_label: string; unit_spec: string | null }>(
          sql`select id, unit_label, unit_spec from products`,
        )
      ).rows;
    await migrate();
    const after = new Map((await read()).map((r) => [r.id, [r.unit_label, r.unit_spec]]));
    expect(ids.map((id) => after.get(id))).toEqual(OLD.map(([, label, spec]) => [label, spec]));
    await migrate();
    const again = new Map((await read()).map((r) => [r.id, [r.unit_label, r.unit_spec]]));
    expect(again).toEqual(after);
  });
});
