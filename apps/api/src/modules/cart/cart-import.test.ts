import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let coopA: Member;
let coopB: Member;
const { buyer, post } = shop(() => t);

beforeAll(async () => ({ t, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

type Row = {
  row: number;
  status: string;
  qty: number | null;
  cartQty: number | null;
  product: { code: string; nameZh: string } | null;
  error: { field: string; code: string; message: string; params: Record<string, unknown> } | null;
  options: { code: string }[];
};
const tag = () => randomBytes(3).toString('hex');
const cartOf = async (userId: string) =>
  (await t.app.db.select().from(schema.cartLines).where(eq(schema.cartLines.userId, userId)))
    .map((l) => [l.productId, l.qty])
    .sort();
async function importRows(b: Awaited<ReturnType<typeof buyer>>, csv: string) {
  const res = await post(b.s, '/api/v1/cart/import', { csv });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().rows as Row[];
}
/** A honey of cooperative A: 瓶 of 500 g, MOQ 10 then steps of 5, 100 in stock. */
async function honey(nameZh = `大坪山花蜂蜜${tag()}`, nameEn: string | null = `Dapingshan Honey ${tag()}`) {
  return createProduct(t.app.db, {
    cooperativeId: coopA.orgId,
    nameZh,
    nameEn,
    unitLabel: '瓶',
    unitSpec: '500 g/瓶',
    moq: 10,
    orderStep: 5,
    stock: 100,
  });
}

describe('quick order (POST /cart/import)', () => {
  it('401 without a token; 403 for a cooperative; 400 naming body.csv for an empty text or a header without a quantity', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/cart/import', payload: { csv: 'x,1' } })).statusCode,
    ).toBe(401);
    expect((await post(coopA.s, '/api/v1/cart/import', { csv: 'x,1' })).statusCode).toBe(403);
    const b = await buyer();
    const empty = await post(b.s, '/api/v1/cart/import', { csv: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].field).toBe('body.csv');
    const noQty = await post(b.s, '/api/v1/cart/import', { csv: '产品,单位\n蜂蜜,瓶\n' });
    expect(noQty.statusCode).toBe(400);
    expect(noQty.json().errors[0]).toMatchObject({ field: 'body.csv' });
  });

  it('reads a spreadsheet paste (tabs, a zh header) and names products by code, zh name and en name (case and width aside)', async () => {
    const b = await buyer();
    const p = await honey();
    const csv = `产品\t数量\n${p.code.toLowerCase()}\t10\n${p.nameZh}\t５\n\n${p.nameEn!.toUpperCase().replace(/ /g, '  ')}\t5 瓶\n`;
    const rows = await importRows(b, csv);
    expect(rows.map((r) => [r.row, r.status, r.qty, r.cartQty, r.product?.code, r.error])).toEqual([
      [2, 'added', 10, 10, p.code, null],
      [3, 'added', 5, 15, p.code, null],
      [5, 'added', 5, 20, p.code, null],
    ]);
    expect(rows[0]!.product).toEqual({
      id: p.id,
      code: p.code,
      nameZh: p.nameZh,
      nameEn: p.nameEn,
      cooperativeName: expect.any(String),
      unitLabel: '瓶',
      unitSpec: '500 g/瓶',
      unitLabelEn: null,
      unitSpecEn: null,
    });
    expect(await cartOf(b.s.userId)).toEqual([[p.id, 20]]);
  });

  it('reads full-width commas and semicolons, full-width digits and spaces, and an uploaded text/csv body', async () => {
    const b = await buyer();
    const p = await honey();
    const rows = await importRows(b, `${p.nameZh}，１０\n\u3000${p.code}\u3000；\u3000５\u3000\n"${p.nameEn}",5\n`);
    expect(rows.map((r) => [r.row, r.status, r.cartQty])).toEqual([
      [1, 'added', 10],
      [2, 'added', 15],
      [3, 'added', 20],
    ]);
    const upload = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cart/import',
      headers: { ...bearer(b.s.token), 'content-type': 'text/csv' },
      payload: `\uFEFF${p.id},5\n`,
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.json().rows).toMatchObject([{ row: 1, status: 'added', cartQty: 25 }]);
  });

  it('reads a CSV saved as GBK (Excel on Chinese Windows) like its UTF-8 twin, uploaded or as text', async () => {
    const b = await buyer();
    const p = await honey('国标码测试蜂蜜', null);
    const gbk = readFileSync(new URL('../../../test-support/fixtures/cart-gbk.csv', import.meta.url));
    // The fixture really is GBK: its bytes are not UTF-8, and they decode to the Chinese rows.
    expect(gbk.toString('utf8')).toContain('\uFFFD');
    const upload = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cart/import',
      headers: { ...bearer(b.s.token), 'content-type': 'text/csv' },
      payload: gbk,
    });
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json().rows.map((r: Row) => [r.row, r.status, r.qty, r.cartQty, r.product?.nameZh])).toEqual([
      [2, 'added', 10, 10, '国标码测试蜂蜜'],
      [3, 'added', 5, 15, '国标码测试蜂蜜'],
    ]);
    expect(await cartOf(b.s.userId)).toEqual([[p.id, 15]]);
  });

  it('takes a first row for a header only when it names the columns: a data row stays a row', async () => {
    const b = await buyer();
    const p = await honey();
    // A data row whose quantity is not a number is refused as a row, never skipped as a header.
    const data = await importRows(b, `${p.code},十\n${p.code},10\n`);
    expect(data.map((r) => [r.row, r.status, r.error?.field, r.error?.code])).toEqual([
      [1, 'refused', 'qty', 'invalid_type'],
      [2, 'added', undefined, undefined],
    ]);
    expect(data[0]!.error!.message).toBe('must be a whole number');
    // An English header in any case, columns in another order, with a unit column.
    const header = await importRows(b, `Qty;UNIT;Product Code\n5;瓶;${p.code}\n`);
    expect(header.map((r) => [r.row, r.status, r.cartQty])).toEqual([[2, 'added', 15]]);
  });

  it('an ambiguous name is a row error listing the options (by code); an unknown one names the product field', async () => {
    const b = await buyer();
    const name = `同名蜂蜜${tag()}`;
    const a = await honey(name, null);
    const other = await createProduct(t.app.db, {
      cooperativeId: coopB.orgId,
      nameZh: name,
      unitLabel: '瓶',
      stock: 5,
    });
    const rows = await importRows(b, `${name},10\n无此产品${tag()},1\n,3\n`);
    expect(rows[0]).toMatchObject({
      row: 1,
      status: 'refused',
      product: null,
      error: { field: 'product', code: 'ambiguous' },
    });
    expect(rows[0]!.options.map((o) => o.code).sort()).toEqual([a.code, other.code].sort());
    expect(rows[0]!.error!.message).toContain(a.code);
    expect(rows[1]).toMatchObject({
      status: 'refused',
      error: {
        field: 'product',
        code: 'no_product',
        message: 'matches no product on sale: write its code, Chinese or English name',
      },
    });
    expect(rows[2]).toMatchObject({ status: 'refused', error: { field: 'product', code: 'required' } });
    // Its code picks one.
    expect((await importRows(b, `${other.code},1\n`))[0]).toMatchObject({
      status: 'added',
      product: { code: other.code },
    });
  });

  it('each limit of the JSON cart is a row error naming qty with the same words, and nothing is stored for it', async () => {
    const b = await buyer();
    const p = await honey();
    const delisted = await createProduct(t.app.db, { cooperativeId: coopA.orgId, status: 'delisted' });
    const rows = await importRows(
      b,
      [
        `${p.code},0`,
        `${p.code},1000001`,
        `${p.code},12.5`,
        `${p.code},5`,
        `${p.code},12`,
        `${p.code},105`,
        `${p.code},10 箱`,
        `${p.code},`,
        `${delisted.code},1`,
      ].join('\n'),
    );
    expect(rows.map((r) => [r.row, r.status, r.error?.field, r.error?.code, r.error?.message])).toEqual([
      [1, 'refused', 'qty', 'too_small', 'must be at least 1'],
      [2, 'refused', 'qty', 'too_big', 'must be at most 1,000,000'],
      [3, 'refused', 'qty', 'invalid_type', 'must be a whole number'],
      [4, 'refused', 'qty', 'below_moq', 'is below the minimum order of 10 瓶'],
      [5, 'refused', 'qty', 'off_step', 'must be 10 瓶 plus a multiple of 5'],
      [6, 'refused', 'qty', 'out_of_stock', 'is more than the 100 瓶 in stock'],
      [7, 'refused', 'qty', 'wrong_unit', 'must be counted in 瓶'],
      [8, 'refused', 'qty', 'required', 'is required'],
      [9, 'refused', 'product', 'no_product', 'matches no product on sale: write its code, Chinese or English name'],
    ]);
    expect(rows[3]!.error!.params).toEqual({ qty: 5, moq: 10, orderStep: 5, stock: 100, unit: '瓶' });
    expect(await cartOf(b.s.userId)).toEqual([]);
    // The JSON endpoint words the same quantity the same way.
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/cart',
      headers: bearer(b.s.token),
      payload: { lines: [{ productId: p.id, qty: 0 }] },
    });
    expect(put.json().errors[0]).toMatchObject({ field: 'body.lines.0.qty', message: 'must be at least 1' });
  });

  it('two imports of one buyer at once sum, never lose a row', async () => {
    const b = await buyer();
    const p = await honey();
    const [x, y] = await Promise.all([
      post(b.s, '/api/v1/cart/import', { csv: `${p.code},10\n` }),
      post(b.s, '/api/v1/cart/import', { csv: `${p.code},10\n` }),
    ]);
    expect([x!.statusCode, y!.statusCode]).toEqual([200, 200]);
    expect(await cartOf(b.s.userId)).toEqual([[p.id, 20]]);
  });
});
