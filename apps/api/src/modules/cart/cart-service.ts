import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { schema, type DbOrTx } from '@shanhai/db';
import {
  CartLineInput,
  issueError,
  lineTotalFen,
  matchHeader,
  sumFen,
  MAX_CART_LINES,
  nameKey,
  readNumber,
  readRows,
  resolveNamed,
  ruleError,
  type CartImportProduct,
  type CartImportRow,
  type FieldError,
  type IssueLike,
  quantityProblem,
  ruleMessage,
  unitPriceFor,
  type CartLine,
  type CartResponse,
  type PutCartRequest,
} from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';
import { namesOf, productNames, type ProductNames, type ProductNamesRow } from '../catalog/product-names';

const { cartLines, products, orgs } = schema;

export interface ProductForSale extends ProductNames {
  id: string;
  /** The product code (SH1001), shown on cart and order lines. */
  code: string;
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
export type ProductForSaleRow = ProductNamesRow & {
  id: string;
  code: string;
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
  return sql`select pr.id, pr.code, pr.name_zh, pr.name_en, pr.unit_label, pr.unit_spec, pr.unit_label_en, pr.unit_spec_en, pr.cooperative_id, c.name as cooperative_name, pr.moq, pr.order_step, pr.stock,
      pr.price_tiers, pr.town_id, pr.category, (pr.status = 'listed' and c.status = 'active') as sellable
    from ${products} pr join ${orgs} c on c.id = pr.cooperative_id where pr.id in ${ids}`;
}

export function toProductForSale(r: ProductForSaleRow): ProductForSale {
  return {
    id: r.id,
    code: r.code,
    ...productNames(r),
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

async function productsForSale(db: DbOrTx, ids: string[]): Promise<Map<string, ProductForSale>> {
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
  // A high tier price times a large quantity can pass what a fen amount holds: refused like any
  // other line problem, so the cart shows it and checkout takes nothing.
  if (!Number.isSafeInteger((unitPriceFor(p.priceTiers, qty) ?? 0) * qty)) return problem('amount_too_large');
  if (p.stock < qty) return problem('out_of_stock');
  return null;
}

function priceLine(p: ProductForSale, qty: number): CartLine {
  const problem = lineProblem(p, qty);
  const unit = unitPriceFor(p.priceTiers, qty);
  const price = problem && problem.code !== 'out_of_stock' ? null : unit;
  return {
    productId: p.id,
    code: p.code,
    qty,
    ...namesOf(p),
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
  return cartOf(lines);
}

/**
 * The cart's totals, per cooperative and in all. `field` names what made the lines (a PUT's
 * `body.lines`): a total past the safe range is then a 400 naming it, else a 409.
 */
function cartOf(lines: CartLine[], field: string | null = null): CartResponse {
  const byCoop = new Map<string, { cooperativeId: string; cooperativeName: string; totalFen: number }>();
  for (const l of lines) {
    const c = byCoop.get(l.cooperativeId) ?? {
      cooperativeId: l.cooperativeId,
      cooperativeName: l.cooperativeName,
      totalFen: 0,
    };
    c.totalFen = sumFen([c.totalFen, l.lineTotalFen ?? 0], field);
    byCoop.set(l.cooperativeId, c);
  }
  return {
    lines,
    cooperatives: [...byCoop.values()],
    totalFen: sumFen(
      lines.map((l) => l.lineTotalFen ?? 0),
      field,
    ),
    ready: lines.length > 0 && lines.every((l) => l.problem === null),
  };
}

/** Replaces the cart; two lines of one product are summed. Unknown products are a 400 naming the line. */
export async function putCart(db: DbOrTx, userId: string, body: PutCartRequest): Promise<CartResponse> {
  const ps = await productsForSale(db, [...new Set(body.lines.map((l) => l.productId))]);
  const summed = new Map<string, number>();
  const firstAt = new Map<string, number>();
  body.lines.forEach((l, i) => {
    if (!ps.has(l.productId)) throw ruleBroken(`body.lines.${i}.productId`, 'not_a_product');
    summed.set(l.productId, (summed.get(l.productId) ?? 0) + l.qty);
    if (!firstAt.has(l.productId)) firstAt.set(l.productId, i);
  });
  // Amounts past the safe range are refused before anything is written: a line's total at its
  // quantity, then the cart's totals.
  const priced = [...summed].map(([id, qty]) => priceLine(ps.get(id)!, qty));
  for (const l of priced)
    if (l.problem?.code === 'amount_too_large')
      throw ruleBroken(`body.lines.${firstAt.get(l.productId)}.qty`, 'amount_too_large');
  cartOf(priced, 'body.lines');
  await db.delete(cartLines).where(eq(cartLines.userId, userId));
  if (summed.size > 0)
    await db.insert(cartLines).values([...summed].map(([productId, qty]) => ({ userId, productId, qty })));
  return getCart(db, userId);
}

/**
 * The columns a quick-order header may name (zh or en, case and width aside). Without a header
 * the columns are product, quantity, unit.
 */
const CART_IMPORT_COLUMNS = {
  product: [
    '产品',
    '商品',
    '产品编号',
    '商品编号',
    '编号',
    '产品名称',
    '商品名称',
    '名称',
    '品名',
    'product',
    'product code',
    'code',
    'name',
    'product name',
    'item',
    'sku',
  ],
  qty: ['数量', '订购数量', '采购数量', '订货数量', 'qty', 'quantity'],
  unit: ['单位', 'unit'],
} as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Candidate = ProductForSale;

/** The products on sale that `refs` may name: by id, code, or Chinese or English name (case, width, spaces aside). */
async function candidatesFor(db: DbOrTx, refs: string[]): Promise<Candidate[]> {
  const keys = [...new Set(refs.map(nameKey).filter(Boolean))];
  if (keys.length === 0) return [];
  const ids = refs.filter((r) => UUID_RE.test(r));
  const key = (col: SQL) => sql`lower(regexp_replace(normalize(${col}, NFKC), '\s+', '', 'g'))`;
  const res = await db.execute<ProductForSaleRow>(
    sql`select pr.id, pr.code, pr.name_zh, pr.name_en, pr.unit_label, pr.unit_spec, pr.unit_label_en, pr.unit_spec_en, pr.cooperative_id, c.name as cooperative_name, pr.moq, pr.order_step, pr.stock,
      pr.price_tiers, pr.town_id, pr.category, true as sellable
    from ${products} pr join ${orgs} c on c.id = pr.cooperative_id
    where pr.status = 'listed' and c.status = 'active' and (
      lower(pr.code) in ${keys} ${ids.length ? sql`or pr.id in ${ids}` : sql``}
      or ${key(sql`pr.name_zh`)} in ${keys} or ${key(sql`coalesce(pr.name_en, '')`)} in ${keys})
    order by pr.code`,
  );
  return res.rows.map(toProductForSale);
}

function importProduct(p: Candidate): CartImportProduct {
  return {
    id: p.id,
    code: p.code,
    ...namesOf(p),
    cooperativeName: p.cooperativeName,
  };
}

/**
 * Quick order: one row per line, `product, quantity[, unit]` as typed or pasted from a spreadsheet
 * (see @shanhai/domain line-import: separators, full-width forms, a header only when it names the
 * columns). A row names a product by its code, Chinese or English name, or id. Each row is added to
 * the cart (summing with what is there) or refused, storing nothing, with the field and the rule
 * the JSON cart endpoint would name for the same line.
 */
export async function importCart(db: DbOrTx, userId: string, csv: string): Promise<CartImportRow[]> {
  const all = readRows(csv);
  const header = all.length ? matchHeader(all[0]!.cells, CART_IMPORT_COLUMNS) : null;
  if (header && (header.product === undefined || header.qty === undefined))
    throw ruleBroken('body.csv', 'header_columns');
  const col = header ?? { product: 0, qty: 1, unit: 2 };
  const rows = header ? all.slice(1) : all;
  const cell = (cells: string[], i: number | undefined) => (i === undefined ? '' : (cells[i] ?? ''));

  // Two imports of one buyer at once would each add to the quantity the other has not written yet.
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`cart:${userId}`}, 0))`);
  const inCart = new Map(
    (await db.select().from(cartLines).where(eq(cartLines.userId, userId))).map((l) => [l.productId, l.qty]),
  );
  const candidates = await candidatesFor(
    db,
    rows.map((r) => cell(r.cells, col.product)),
  );

  const report: CartImportRow[] = [];
  for (const r of rows) {
    const input = r.cells.filter((c) => c !== '').join(', ');
    const ref = cell(r.cells, col.product);
    const qtyText = cell(r.cells, col.qty);
    let product: Candidate | null = null;
    let options: Candidate[] = [];
    let qty: number | null = null;
    const refuse = (error: FieldError) =>
      report.push({
        row: r.row,
        input,
        productId: product?.id ?? null,
        qty,
        status: 'refused',
        product: product && importProduct(product),
        cartQty: null,
        error,
        options: options.map(importProduct),
        message: `${error.field} ${error.message}`,
      });

    const read = qtyText ? readNumber(qtyText) : null;
    qty = read?.value ?? null;
    if (!ref) {
      refuse(ruleError('product', 'required'));
      continue;
    }
    const found = UUID_RE.test(ref)
      ? (() => {
          const p = candidates.find((c) => c.id === ref.toLowerCase());
          return p ? ({ kind: 'one', item: p } as const) : ({ kind: 'none' } as const);
        })()
      : resolveNamed(ref, candidates);
    if (found.kind === 'none') {
      refuse(ruleError('product', 'no_product'));
      continue;
    }
    if (found.kind === 'ambiguous') {
      options = found.options;
      refuse(
        ruleError('product', 'ambiguous', {
          options: options.map((o) => `${o.code} ${o.nameEn ?? o.nameZh} (${o.cooperativeName})`).join(' / '),
        }),
      );
      continue;
    }
    product = found.item;
    if (!qtyText) {
      refuse(ruleError('qty', 'required'));
      continue;
    }
    if (!read) {
      refuse({ ...issueError('qty', { code: 'invalid_type', expected: 'int', input: qtyText }) });
      continue;
    }
    const unit = read.unit || cell(r.cells, col.unit);
    if (unit && ![product.unitLabel, product.unitLabelEn].some((u) => u && nameKey(u) === nameKey(unit))) {
      refuse(ruleError('qty', 'wrong_unit', { unit: product.unitLabelEn ?? product.unitLabel }));
      continue;
    }
    const before = inCart.get(product.id);
    const total = (before ?? 0) + read.value;
    // The JSON cart's own bounds, first on the row, then on the line it makes.
    const bound = CartLineInput.shape.qty.safeParse(read.value).error ?? CartLineInput.shape.qty.safeParse(total).error;
    if (bound) {
      refuse(issueError('qty', bound.issues[0]! as unknown as IssueLike));
      continue;
    }
    if (before === undefined && inCart.size >= MAX_CART_LINES) {
      refuse(ruleError('product', 'cart_full', { max: MAX_CART_LINES }));
      continue;
    }
    const problem = lineProblem(product, total);
    if (problem) {
      refuse(ruleError('qty', problem.code, problem.params));
      continue;
    }
    await db
      .insert(cartLines)
      .values({ userId, productId: product.id, qty: total })
      .onConflictDoUpdate({ target: [cartLines.userId, cartLines.productId], set: { qty: total } });
    inCart.set(product.id, total);
    report.push({
      row: r.row,
      input,
      productId: product.id,
      qty: read.value,
      status: 'added',
      product: importProduct(product),
      cartQty: total,
      error: null,
      options: [],
      message:
        before === undefined
          ? `added ${read.value} × ${product.nameEn ?? product.nameZh}`
          : `added ${read.value} × ${product.nameEn ?? product.nameZh}; ${total} in the cart now`,
    });
  }
  return report;
}
