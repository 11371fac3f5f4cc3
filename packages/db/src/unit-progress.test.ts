import { beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { clampToYear, computePace, reservedFen, sameDayLastYear } from '@shanhai/domain';
import { appendSales, type LedgerRow } from './ledger';
import { partnerTallies } from './schema/tallies';
import { towns } from './schema/regions';
import { foldAll, MONTH_FEN_COLUMNS, reconcileTallies, tallyDrift } from './tally';
import { splitYearToDate, unitProgressRows } from './unit-progress';
import { createOrg, useTestDatabase } from '../test-support/testing';

/*
 * A unit's progress reads whole months from `partner_tallies`' month columns and the days of a
 * month not yet over from `partner_daily_sales`. Whatever the as-of day, it must equal the sum of
 * the unit's ledger rows: purchases, refunds, offline records and their reversals, both years.
 */

const t = useTestDatabase('demo');
/** A leap year: this year has 29 February, last year does not. */
const YEAR = 2024;
const TOTAL_FEN = 50_000_000;
const RATIO_BP = 1_500;
let unitId: string;
let otherId: string;
let townA: string;
let townB: string;
const rows: LedgerRow[] = [];

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The unit's ledger rows with a business date in [from, through]. */
const ledgerSum = (orgId: string, from: string, through: string) =>
  rows
    .filter((r) => r.buyerOrgId === orgId && r.businessDate >= from && r.businessDate <= through)
    .reduce((s, r) => s + r.amountFen, 0);

beforeAll(async () => {
  const db = t.db;
  unitId = (await createOrg(db, { kind: 'buyer' })).id;
  otherId = (await createOrg(db, { kind: 'buyer' })).id;
  const [a, b] = await db.select({ id: towns.id }).from(towns).orderBy(towns.code).limit(2);
  townA = a!.id;
  townB = b!.id;
  await db.execute(
    sql`insert into budget_unit_years (year, buyer_org_id) values (${YEAR}, ${unitId}), (${YEAR}, ${otherId})`,
  );
  await db.execute(sql`
    insert into unit_declarations (buyer_org_id, year, version, status, total_fen, ratio_bp, created_by)
    values (${unitId}, ${YEAR}, 1, 'approved', ${TOTAL_FEN}, ${RATIO_BP}, (select id from users limit 1))`);
  let n = 0;
  const row = (
    buyerOrgId: string,
    townId: string,
    businessDate: string,
    amountFen: number,
    source: LedgerRow['source'] = 'order',
    kind = amountFen < 0 ? 'refund' : 'sale',
  ): LedgerRow => ({
    source,
    sourceRef: `unit-progress-${++n}`,
    kind,
    townId,
    buyerOrgId,
    category: 'honey',
    amountFen,
    businessDate,
  });
  // Month ends and starts, 28 and 29 February, a refund on the day of its sale, an offline record
  // and its reversal, the years around (never counted), and another unit buying on the same days.
  const first = [
    row(unitId, townA, '2022-12-31', 999_999),
    row(unitId, townA, '2023-01-01', 10_000),
    row(unitId, townB, '2023-01-15', 20_000),
    row(unitId, townA, '2023-02-28', 30_000),
    row(unitId, townA, '2023-06-30', 40_000),
    row(unitId, townA, '2023-06-30', -5_000),
    row(unitId, townB, '2023-07-01', 50_000, 'offline'),
    row(unitId, townA, '2023-12-31', 60_000),
    row(unitId, townA, '2024-01-01', 1_000),
    row(unitId, townB, '2024-01-31', 2_000),
    row(otherId, townA, '2024-01-31', 777_777),
  ];
  const second = [
    row(unitId, townA, '2024-02-01', 3_000),
    row(unitId, townA, '2024-02-28', 4_000),
    row(unitId, townB, '2024-02-29', 5_000),
    row(unitId, townA, '2024-03-31', 6_000, 'offline'),
    row(unitId, townA, '2024-03-31', -6_000, 'offline', 'reversal'),
    row(unitId, townA, '2024-07-01', 7_000),
    row(unitId, townA, '2024-07-15', -1_500),
    row(unitId, townB, '2024-11-30', 8_000),
    row(unitId, townA, '2024-12-31', 9_000),
    row(unitId, townA, '2025-01-01', 888_888),
    row(otherId, townB, '2024-07-01', 555_555),
  ];
  // Two folds: the second adds to month columns the first created.
  await appendSales(db, first);
  await foldAll(db);
  await appendSales(db, second);
  await foldAll(db);
  rows.push(...first, ...second);
});

describe('budget units’ progress from the month tallies', () => {
  it('keeps every month of partner_tallies equal to its ledger rows, through two folds', async () => {
    expect(await tallyDrift(t.db)).toBe(0);
    const [r] = await t.db
      .select()
      .from(partnerTallies)
      .where(
        and(eq(partnerTallies.buyerOrgId, unitId), eq(partnerTallies.townId, townA), eq(partnerTallies.year, YEAR)),
      );
    expect(r).toMatchObject({ amountFen: 22_500, rowCount: 8 });
    expect([
      r!.month01Fen,
      r!.month02Fen,
      r!.month03Fen,
      r!.month04Fen,
      r!.month05Fen,
      r!.month06Fen,
      r!.month07Fen,
      r!.month08Fen,
      r!.month09Fen,
      r!.month10Fen,
      r!.month11Fen,
      r!.month12Fen,
    ]).toEqual([1_000, 7_000, 0, 0, 0, 0, 5_500, 0, 0, 0, 0, 9_000]);
  });

  it('equals the sum of the unit’s ledger rows as of every day from before the year to after it', async () => {
    const reserved = reservedFen(TOTAL_FEN, RATIO_BP);
    const lastYearTotal = ledgerSum(unitId, `${YEAR - 1}-01-01`, `${YEAR - 1}-12-31`);
    expect(lastYearTotal).toBe(205_000);
    let days = 0;
    for (let asOf = `${YEAR - 1}-12-30`; asOf <= `${YEAR + 1}-01-02`; asOf = nextDay(asOf)) {
      const through = clampToYear(YEAR, asOf);
      const lastThrough = sameDayLastYear(through);
      const sales = ledgerSum(unitId, `${YEAR}-01-01`, through);
      const pace = computePace({
        year: YEAR,
        asOf,
        targetFen: reserved,
        salesToDateFen: sales,
        lastYearToDateFen: ledgerSum(unitId, `${YEAR - 1}-01-01`, lastThrough),
        lastYearTotalFen: lastYearTotal,
      });
      const { rows: got } = await unitProgressRows(t.db, YEAR, asOf, { orgId: unitId });
      expect({ asOf, ...got[0] }).toMatchObject({
        asOf,
        unitId,
        salesFen: sales,
        reservedFen: reserved,
        expectedFen: pace.expectedFen,
        aheadFen: pace.aheadFen,
        lastYearSamePeriodFen: pace.lastYearSamePeriodFen,
        changePct: pace.changePct,
        curve: pace.curve,
      });
      days++;
    }
    expect(days).toBe(370);
    // The ranking of both units agrees, and the other unit's rows count for it alone.
    const { rows: ranked } = await unitProgressRows(t.db, YEAR, `${YEAR}-07-31`);
    const figures = Object.fromEntries(ranked.map((r) => [r.unitId, [r.salesFen, r.lastYearSamePeriodFen]] as const));
    expect(figures[unitId]).toEqual([ledgerSum(unitId, `${YEAR}-01-01`, `${YEAR}-07-31`), 145_000]);
    expect(figures[otherId]).toEqual([777_777 + 555_555, 0]);
  });

  it('is repaired by the reconcile when a month column drifts', async () => {
    await t.db.execute(sql`
      update partner_tallies set month02_fen = month02_fen + 1
      where buyer_org_id = ${unitId} and town_id = ${townA} and year = ${YEAR}`);
    expect(await tallyDrift(t.db)).toBe(1);
    const r = await reconcileTallies(t.db);
    expect(r.driftRows).toBe(1);
    expect(r.details).toEqual([
      { table: 'partner_tallies', key: `${unitId}/${townA}/${YEAR}`, expected: 22_500, found: 22_500 },
    ]);
    expect(await tallyDrift(t.db)).toBe(0);
    const [after] = await t.db
      .execute<{ m: number }>(
        sql`
      select month02_fen as m from partner_tallies
      where buyer_org_id = ${unitId} and town_id = ${townA} and year = ${YEAR}`,
      )
      .then((x) => x.rows);
    expect(after!.m).toBe(7_000);
  });

  it('splits a year to date into whole months and the days of a month not yet over', () => {
    expect(MONTH_FEN_COLUMNS).toHaveLength(12);
    expect(splitYearToDate(2024, '2023-12-31')).toEqual({ wholeMonths: 0, partialFrom: null, through: '2023-12-31' });
    expect(splitYearToDate(2024, '2024-01-01')).toEqual({
      wholeMonths: 0,
      partialFrom: '2024-01-01',
      through: '2024-01-01',
    });
    expect(splitYearToDate(2024, '2024-02-28')).toEqual({
      wholeMonths: 1,
      partialFrom: '2024-02-01',
      through: '2024-02-28',
    });
    expect(splitYearToDate(2024, '2024-02-29').wholeMonths).toBe(2);
    expect(splitYearToDate(2023, '2023-02-28').wholeMonths).toBe(2);
    expect(splitYearToDate(2024, '2024-09-30')).toEqual({ wholeMonths: 9, partialFrom: null, through: '2024-09-30' });
    expect(splitYearToDate(2024, '2024-12-31').wholeMonths).toBe(12);
  });
});
