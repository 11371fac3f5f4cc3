import { and, eq } from 'drizzle-orm';
import { businessYear } from '@shanhai/domain';
import type { Tx } from '../client';
import { writeAudits } from '../audit';
import { orgs, users } from '../schema/identity';
import { budgetUnitYears, unitDeclarations, unitYearSettings } from '../schema/units';

/**
 * Budget units for the demo: the Guangzhou partner unit is an agency with approved declarations
 * for 2025 and 2026 (its purchases of both years come from the sales seed); the second unit is a
 * public institution that has not declared for 2026, so the office's ranking shows a late one.
 * Keyed by (unit, year, version), so a second run adds nothing.
 */
export async function seedUnits(tx: Tx, orgIds: Map<string, string>): Promise<void> {
  for (const year of [2025, 2026]) {
    await tx
      .insert(unitYearSettings)
      .values({ year, minRatioBp: 1000, declarationDeadline: `${year}-02-20` })
      .onConflictDoNothing();
  }
  const buyer = orgIds.get('buyer')!;
  const buyer2 = orgIds.get('buyer2')!;
  await tx.update(orgs).set({ unitKind: 'agency' }).where(eq(orgs.id, buyer));
  await tx.update(orgs).set({ unitKind: 'institution' }).where(eq(orgs.id, buyer2));
  // Both are budget units in the two years of demo sales (and this year, should it be later).
  for (const year of new Set([2025, 2026, businessYear()]))
    await tx
      .insert(budgetUnitYears)
      .values([
        { year, buyerOrgId: buyer },
        { year, buyerOrgId: buyer2 },
      ])
      .onConflictDoNothing();
  const [owner] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.orgId, buyer), eq(users.role, 'owner')));
  const officeOrg = orgIds.get('office');
  const [reviewer] = officeOrg
    ? await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.orgId, officeOrg), eq(users.role, 'owner')))
    : [];
  for (const [year, totalFen, ratioBp] of [
    [2025, 25_000_000_00, 1000],
    [2026, 30_000_000_00, 1500],
  ] as const) {
    const submittedAt = new Date(`${year}-02-10T10:00:00+08:00`);
    const decidedAt = new Date(`${year}-02-14T10:00:00+08:00`);
    const [made] = await tx
      .insert(unitDeclarations)
      .values({
        buyerOrgId: buyer,
        year,
        version: 1,
        status: 'approved',
        totalFen,
        ratioBp,
        createdBy: owner!.id,
        submittedBy: owner!.id,
        submittedAt,
        decidedBy: reviewer?.id ?? null,
        decidedAt,
      })
      .onConflictDoNothing()
      .returning({ id: unitDeclarations.id });
    // Submitted by the unit, approved by the office: audited as decideDeclaration audits both.
    if (made && reviewer)
      await writeAudits(tx, [
        {
          actorUserId: owner!.id,
          actorOrgId: buyer,
          action: 'declaration.submit',
          entityType: 'declaration',
          entityId: made.id,
          before: { status: 'draft' },
          after: { status: 'submitted' },
          at: submittedAt,
        },
        {
          actorUserId: reviewer.id,
          actorOrgId: officeOrg!,
          action: 'declaration.approve',
          entityType: 'declaration',
          entityId: made.id,
          before: { status: 'submitted' },
          after: { status: 'approved' },
          at: decidedAt,
        },
      ]);
  }
}
