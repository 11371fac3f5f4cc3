import { and, asc, eq, inArray } from 'drizzle-orm';
import { businessDate, CATEGORIES, type Category } from '@shanhai/domain';
import type { Db, Tx } from '../client';
import { appendSales, type LedgerRow } from '../ledger';
import { products } from '../schema/catalog';
import { townTargets } from '../schema/regions';
import { foldAll } from '../tally';
import { hashSeed, prng } from './ids';

/**
 * Demo sales (labelled: source `import`, source_ref `demo:<town>:<day>`): a generated 2025 and
 * 2026 up to today for every town, so that pacing and year-over-year show real shapes on first
 * start. Dakun's 2026 first half is above 10,000,000 元, as the source article says. Idempotent:
 * the ledger's unique (source, ref, kind) makes a second run on the same day add nothing.
 */

/** Dakun's first half of 2026 in fen: above the article's 10,000,000 元. */
const DAKUN_H1_2026_FEN = 10_680_000 * 100;
const INSERT_BATCH = 2_000;

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A seasonal shape: summer fruit, the Spring Festival gift season, weekly rhythm, some noise. */
function season(day: string, r: number): number {
  const doy = (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${day.slice(0, 4)}-01-01T00:00:00Z`)) / 86_400_000;
  const festival = doy >= 10 && doy <= 45 ? 0.6 : 0;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return Math.max(
    0.1,
    1 +
      0.35 * Math.sin((2 * Math.PI * (doy - 80)) / 365) +
      festival +
      (weekday === 1 || weekday === 2 ? 0.15 : 0) +
      0.3 * (r - 0.5),
  );
}

export async function seedSales(tx: Tx, townIds: Map<string, string>, orgIds: Map<string, string>): Promise<void> {
  const today = businessDate();
  const end2026 = today < '2026-12-31' ? today : '2026-12-31';
  const targets = await tx
    .select()
    .from(townTargets)
    .where(and(inArray(townTargets.townId, [...townIds.values()]), inArray(townTargets.year, [2025, 2026])));
  const targetOf = (townId: string, year: number) =>
    targets.find((t) => t.townId === townId && t.year === year)?.targetFen ?? 5_000_000_00;
  // Every other demo day of a town is credited to one of its listed demo products, so the product
  // leaderboard and the towns' top products have something to show on first start.
  const listed = await tx
    .select({ id: products.id, townId: products.townId, category: products.category })
    .from(products)
    .where(and(inArray(products.townId, [...townIds.values()]), eq(products.status, 'listed')))
    .orderBy(asc(products.createdAt), asc(products.id));
  const productsOf = (townId: string) => listed.filter((p) => p.townId === townId);
  const buyer = orgIds.get('buyer') ?? null;
  const buyer2 = orgIds.get('buyer2') ?? null;

  const rows: LedgerRow[] = [];
  for (const [code, townId] of [...townIds.entries()].sort()) {
    const rand = prng(hashSeed(`sales:${code}`));
    // Each town its own pace: some ahead of target, some behind.
    const pace2025 = 0.75 + rand() * 0.4;
    const pace2026 = 0.8 + rand() * 0.45;
    const own = productsOf(townId);
    const cats = [
      CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!,
      CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!,
      'fruit' as Category,
    ];
    for (const [year, to, pace] of [
      [2025, '2025-12-31', pace2025],
      [2026, end2026, pace2026],
    ] as const) {
      const list = days(`${year}-01-01`, to);
      const shapes = list.map((d) => season(d, rand()));
      const perDay = (targetOf(townId, year) * pace) / 365;
      let amounts = shapes.map((s) => Math.round(perDay * s));
      if (code === 'dakun' && year === 2026) {
        // Scale the first half to the article's figure; the second half keeps its pace.
        const h1 = list.map((d, i) => (d <= '2026-06-30' ? i : -1)).filter((i) => i >= 0);
        const shapeSum = h1.reduce((s, i) => s + shapes[i]!, 0);
        amounts = amounts.map((a, i) =>
          list[i]! <= '2026-06-30' ? Math.round((DAKUN_H1_2026_FEN * shapes[i]!) / shapeSum) : a,
        );
      }
      list.forEach((day, i) => {
        const dn = i + 1;
        const buyerOrgId =
          code === 'dakun'
            ? dn % 3 === 0
              ? buyer
              : dn % 5 === 0
                ? buyer2
                : null
            : code === 'daping' && dn % 4 === 0
              ? buyer2
              : null;
        const product = own.length && dn % 2 === 0 ? own[(dn / 2) % own.length]! : null;
        const category = product?.category ?? cats[dn % cats.length]!;
        rows.push({
          source: 'import',
          sourceRef: `demo:${code}:${day}`,
          kind: 'sale',
          townId,
          buyerOrgId,
          productId: product?.id ?? null,
          category,
          amountFen: amounts[i]!,
          businessDate: day,
        });
      });
    }
  }
  for (let i = 0; i < rows.length; i += INSERT_BATCH) await appendSales(tx, rows.slice(i, i + INSERT_BATCH));
  // Tallied in the same transaction, so the demo starts with its leaderboard filled.
  await foldAll(tx as unknown as Db, { batchSize: 20_000 });
}
