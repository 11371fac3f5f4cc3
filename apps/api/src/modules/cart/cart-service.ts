import { loadCsvParse } from '../../lib/csv';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { schema, type DbOrTx } from '@shanhai/db';
import {
  lineTotalFen,
  quantityProblem,
  ruleMessage,
  unitPriceFor,
  type CartLine,
  type CartResponse,
  type PutCartRequest,
} from '@shanhai/domain';
import { badRequest } from '../../lib/problem';

const { cartLines, products, orgs } = schema;

export interface ProductForSale {
  id: string;
  nameZh: string;
  nameEn: string | null;
  unitLabel: string;
  unitSpec: string | null;
  unitLabelEn: string | null;
  unitSpecEn: string | null;
  cooperativeId: string;
  cooperativeName: string;
  moq: number;
  orderStep: number;
  stock: number;
  priceTiers: { minQty: number; unitPriceFen: number }[];
  townId: string;
  category: (typeof products.$inferSelect)['category'];
  sellable: boolean;
}

/** A product for sale as the database returns it (snake_case): see productsForSaleSql. */
export type ProductForSaleRow = {
  id: string;
  name_zh: string;
  name_en: string | null;
  unit_label: string;
  unit_spec: string | null;
  unit_label_en: string | null;
  unit_spec_en: string | null;
  cooperative_id: string;
  cooperative_name: string;
  moq: number;
  order_step: number;
  stock: number;
  price_tiers: ProductForSale['priceTiers'];
  town_id: string;
  category: ProductForSale['category'];
  sellable: boolean;
};

/**
 * The products with what selling them needs, the one definition for the cart and checkout
 * (checkout joins it to the buyer org to read both in one round trip). Sellable: listed, of an
 * active cooperative.
 */
export function productsForSaleSql(ids: string[]): SQL {
  return sql`select pr.id, pr.name_zh, pr.name_en, pr.unit_label, pr.unit_spec, pr.unit_label_en, pr.unit_spec_en, pr.cooperative_id, c.name as cooperative_name, pr.moq, pr.order_step, pr.stock,
      pr.price_tiers, pr.town_id, pr.category, (pr.status = 'listed' and c.status = 'active') as sellable
    from ${products} pr join ${orgs} c on c.id = pr.cooperative_id where pr.id in ${ids}`;
}

export function toProductForSale(r: ProductForSaleRow): ProductForSale {
  return {
    id: r.id,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    unitLabel: r.unit_label,
    unitSpec: r.unit_spec,
    unitLabelEn: r.unit_label_en,
    unitSpecEn: r.unit_spec_en,
    cooperativeId: r.cooperative_id,
    cooperativeName: r.cooperative_name,
    moq: r.moq,
    orderStep: r.order_step,
    stock: r.stock,
    priceTiers: r.price_tiers,
    townId: r.town_id,
    category: r.category,
    sellable: r.sellable,
  };
}

export async function productsForSale(db: DbOrTx, ids: string[]): Promise<Map<string, ProductForSale>> {
  if (ids.length === 0) return new Map();
  const res = await db.execute<ProductForSaleRow>(productsForSaleSql(ids));
  return new Map(res.rows.map((r) => [r.id, toProductForSale(r)]));
}

/**
 * What is wrong with ordering `qty` of `p` now, or null: a rule of @shanhai/domain with its
 * params, so the web words it in the reader's language ("低于起订量 10 瓶"); `message` is the English.
 */
export function lineProblem(p: ProductForSale, qty: number): CartLine['problem'] {
  const params = { qty, moq: p.moq, orderStep: p.orderStep, stock: p.stock, unit: p.unitLabel };
  const problem = (code: NonNullable<CartLine['problem']>['code']) => ({
    code,
    message: ruleMessage(code, 'en', { ...params, unit: p.unitLabelEn ?? p.unitLabel }),
    params,
  });
  if (!p.sellable) return problem('not_available');
  const q = quantityProblem(qty, p);
  if (q) return problem(q);
  if (p.stock < qty) return problem('out_of_stock');
  return null;
}

export function priceLine(p: ProductForSale, qty: number): CartLine {
  const problem = lineProblem(p, qty);
  const unit = unitPriceFor(p.priceTiers, qty);
  const price = problem && problem.code !== 'out_of_stock' ? null : unit;
  return {
    productId: p.id,
    qty,
    nameZh: p.nameZh,
    nameEn: p.nameEn,
    unitLabel: p.unitLabel,
    unitSpec: p.unitSpec,
    unitLabelEn: p.unitLabelEn,
    unitSpecEn: p.unitSpecEn,
    cooperativeId: p.cooperativeId,
    cooperativeName: p.cooperativeName,
    moq: p.moq,
    orderStep: p.orderStep,
    stock: p.stock,
    unitPriceFen: price,
    lineTotalFen: price === null ? null : lineTotalFen(price, qty),
    problem,
  };
}

export async function getCart(db: DbOrTx, userId: string): Promise<CartResponse> {
  const rows = await db
    .select()
    .from(cartLines)
    .where(eq(cartLines.userId, userId))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.productId));
  const ps = await productsForSale(
    db,
    rows.map((r) => r.productId),
  );
  const lines = rows.flatMap((r) => {
    const p = ps.get(r.productId);
    return p ? [priceLine(p, r.qty)] : [];
  });
  const byCoop = new Map<string, { cooperativeId: string; cooperativeName: string; totalFen: number }>();
  for (const l of lines) {
    const c = byCoop.get(l.cooperativeId) ?? {
      cooperativeId: l.cooperativeId,
      cooperativeName: l.cooperativeName,
      totalFen: 0,
    };
    c.totalFen += l.lineTotalFen ?? 0;
    byCoop.set(l.cooperativeId, c);
  }
  return {
    lines,
    cooperatives: [...byCoop.values()],
    totalFen: lines.reduce((s, l) => s + (l.lineTotalFen ?? 0), 0),
    ready: lines.length > 0 && lines.every((l) => l.problem === null),
  };
}

/** Replaces the cart; two lines of one product are summed. Unknown products are a 400 naming the line. */
export async function putCart(db: DbOrTx, userId: string, body: PutCartRequest): Promise<CartResponse> {
  const ps = await productsForSale(db, [...new Set(body.lines.map((l) => l.productId))]);
  const summed = new Map<string, number>();
  body.lines.forEach((l, i) => {
    if (!ps.has(l.productId)) throw badRequest(`body.lines.${i}.productId`, 'is not a product');
    summed.set(l.productId, (summed.get(l.productId) ?? 0) + l.qty);
  });
  await db.delete(cartLines).where(eq(cartLines.userId, userId));
  if (summed.size > 0)
    await db.insert(cartLines).values([...summed].map(([productId, qty]) => ({ userId, productId, qty })));
  return getCart(db, userId);
}

export interface ImportRow {
  row: number;
  input: string;
  productId: string | null;
  qty: number | null;
  status: 'added' | 'refused';
  message: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Quick order: CSV rows `product id or name, quantity` (a header row is skipped). Each row is
 * added to the cart (summing with what is there) or refused with the reason.
 */
export async function importCart(db: DbOrTx, userId: string, csv: string): Promise<ImportRow[]> {
  let records: string[][];
  const parse = await loadCsvParse();
  try {
    records = parse(csv.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as string[][];
  } catch (e) {
    throw badRequest('body.csv', `is not valid CSV: ${(e as Error).message}`);
  }
  const report: ImportRow[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const input = rec.join(',');
    const [ref = '', qtyText = ''] = rec;
    const refuse = (message: string, productId: string | null = null, qty: number | null = null) =>
      report.push({ row: i + 1, input, productId, qty, status: 'refused', message });
    if (i === 0 && !/^\d+$/.test(qtyText)) continue; // a header row
    if (!ref) {
      refuse('no product id or name');
      continue;
    }
    const qty = /^\d+$/.test(qtyText) ? Number(qtyText) : NaN;
    if (!Number.isSafeInteger(qty) || qty < 1) {
      refuse('quantity must be a whole number of at least 1');
      continue;
    }
    const candidates = UUID_RE.test(ref)
      ? await db
          .select({ id: products.id })
          .from(products)
          .where(and(eq(products.id, ref), eq(products.status, 'listed')))
      : await db
          .select({ id: products.id })
          .from(products)
          .where(
            and(
              eq(products.status, 'listed'),
              sql`(${products.nameZh} = ${ref} or lower(${products.nameEn}) = lower(${ref}))`,
            ),
          )
          .limit(2);
    if (candidates.length === 0) {
      refuse('no product on sale has this id or name', null, qty);
      continue;
    }
    if (candidates.length > 1) {
      refuse('several products have this name; use the product id', null, qty);
      continue;
    }
    const productId = candidates[0]!.id;
    const [existing] = await db
      .select({ qty: cartLines.qty })
      .from(cartLines)
      .where(and(eq(cartLines.userId, userId), eq(cartLines.productId, productId)));
    const total = (existing?.qty ?? 0) + qty;
    const p = (await productsForSale(db, [productId])).get(productId)!;
    const problem = lineProblem(p, total);
    if (problem) {
      refuse(`${total} ${problem.message}`, productId, qty);
      continue;
    }
    await db
      .insert(cartLines)
      .values({ userId, productId, qty: total })
      .onConflictDoUpdate({ target: [cartLines.userId, cartLines.productId], set: { qty: total } });
    report.push({
      row: i + 1,
      input,
      productId,
      qty,
      status: 'added',
      message: existing ? `added; ${total} in the cart now` : 'added',
    });
  }
  return report;
}
