import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let coopA: Member;
let coopB: Member;
const { buyer, put } = shop(() => t);

beforeAll(async () => ({ t, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

describe('cart', () => {
  it('401 without a token; 403 for a cooperative', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/cart' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(coopA.s.token) })).statusCode,
    ).toBe(403);
  });

  it('shows tier prices, per-line MOQ/step/stock messages and totals per cooperative; sums two lines of one product', async () => {
    const b = await buyer();
    const honey = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      moq: 10,
      orderStep: 5,
      stock: 100,
      priceTiers: [
        { minQty: 10, unitPriceFen: 5000 },
        { minQty: 50, unitPriceFen: 4500 },
      ],
    });
    const tea = await createProduct(t.app.db, {
      cooperativeId: coopB.orgId,
      moq: 1,
      stock: 3,
      priceTiers: [{ minQty: 1, unitPriceFen: 12000 }],
    });
    const res = await put(b.s, [
      { productId: honey.id, qty: 30 },
      { productId: honey.id, qty: 20 },
      { productId: tea.id, qty: 2 },
    ]);
    expect(res.statusCode).toBe(200);
    const cart = res.json();
    const rows = cart.lines.map((l: { qty: number; unitPriceFen: number; lineTotalFen: number; problem: unknown }) => [
      l.qty,
      l.unitPriceFen,
      l.lineTotalFen,
      l.problem,
    ]);
    expect(rows.sort((x: number[], y: number[]) => y[0]! - x[0]!)).toEqual([
      [50, 4500, 225_000, null],
      [2, 12000, 24_000, null],
    ]);
    expect(
      cart.cooperatives.sort((x: { totalFen: number }, y: { totalFen: number }) => y.totalFen - x.totalFen),
    ).toEqual([
      { cooperativeId: coopA.orgId, cooperativeName: expect.any(String), totalFen: 225_000 },
      { cooperativeId: coopB.orgId, cooperativeName: expect.any(String), totalFen: 24_000 },
    ]);
    expect(cart).toMatchObject({ totalFen: 249_000, ready: true });
    // Each line carries its product's code (SH1001…), what buyers quote.
    expect(cart.lines.map((l: { code: string }) => l.code).sort()).toEqual([honey.code, tea.code].sort());

    const bad = (
      await put(b.s, [
        { productId: honey.id, qty: 12 },
        { productId: tea.id, qty: 4 },
      ])
    ).json();
    expect(
      bad.lines
        .map((l: { problem: { code: string } }) => l.problem)
        .sort((x: { code: string }, y: { code: string }) => x.code.localeCompare(y.code)),
    ).toEqual([
      {
        code: 'off_step',
        message: 'must be 10 箱 plus a multiple of 5',
        params: { qty: 12, moq: 10, orderStep: 5, stock: 100, unit: '箱' },
      },
      {
        code: 'out_of_stock',
        message: 'is more than the 3 箱 in stock',
        params: { qty: 4, moq: 1, orderStep: 1, stock: 3, unit: '箱' },
      },
    ]);
    expect(bad.ready).toBe(false);
    expect((await put(b.s, [{ productId: honey.id, qty: 5 }])).json().lines[0].problem).toEqual({
      code: 'below_moq',
      message: 'is below the minimum order of 10 箱',
      params: { qty: 5, moq: 10, orderStep: 5, stock: 100, unit: '箱' },
    });
  });

  it('400 naming the field for an unknown product or a bad quantity', async () => {
    const b = await buyer();
    const r1 = await put(b.s, [{ productId: '00000000-0000-4000-8000-000000000000', qty: 1 }]);
    expect(r1.statusCode).toBe(400);
    expect(r1.json().errors).toEqual([
      { field: 'body.lines.0.productId', message: 'is not a product on the market', code: 'not_a_product', params: {} },
    ]);
    const r2 = await put(b.s, [{ productId: '00000000-0000-4000-8000-000000000000', qty: 0 }]);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().errors[0].field).toBe('body.lines.0.qty');
  });

  let second: string;
  const dear2 = () => second;
  beforeAll(async () => {
    second = (
      await createProduct(t.app.db, {
        cooperativeId: coopB.orgId,
        stock: 2_000,
        priceTiers: [{ minQty: 1, unitPriceFen: 9_000_000_000_000 }],
      })
    ).id;
  });
  const cartRows = async (s: { token: string }) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(s.token) }))
      .json()
      .lines.map((l: { productId: string; qty: number }) => [l.productId, l.qty]);

  it('amounts past the safe range are a 400 naming the field and store nothing; a price raised later is a line problem, not a 500 (issue 13)', async () => {
    const b = await buyer();
    const cheap = await createProduct(t.app.db, { cooperativeId: coopA.orgId });
    const dear = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      stock: 2_000_000,
      priceTiers: [{ minQty: 1, unitPriceFen: 9_000_000_000_000 }], // 90 billion yuan a unit
    });
    expect((await put(b.s, [{ productId: cheap.id, qty: 3 }])).statusCode).toBe(200);
    const before = await cartRows(b.s);

    // 1,000,000 units × 9e12 fen = 9e18 fen: past Number.MAX_SAFE_INTEGER.
    const line = await put(b.s, [
      { productId: cheap.id, qty: 1 },
      { productId: dear.id, qty: 1_000_000 },
    ]);
    expect(line.statusCode).toBe(400);
    expect(line.json().errors).toEqual([
      {
        field: 'body.lines.1.qty',
        code: 'amount_too_large',
        message: 'makes an amount too large to record',
        params: {},
      },
    ]);
    expect(await cartRows(b.s)).toEqual(before);

    // Each line is safe (900 × 9e12 = 8.1e15), the two together are not.
    const total = await put(b.s, [
      { productId: dear.id, qty: 900 },
      { productId: dear2(), qty: 900 },
    ]);
    expect(total.statusCode).toBe(400);
    expect(total.json().errors).toEqual([
      { field: 'body.lines', code: 'amount_too_large', message: 'makes an amount too large to record', params: {} },
    ]);
    expect(await cartRows(b.s)).toEqual(before);

    // The cooperative raises the price of a line already in the cart.
    expect((await put(b.s, [{ productId: cheap.id, qty: 2_000 }])).statusCode).toBe(200);
    await t.app.db
      .update(schema.products)
      .set({ priceTiers: [{ minQty: 1, unitPriceFen: 9_000_000_000_000 }] })
      .where(eq(schema.products.id, cheap.id));
    const got = await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(b.s.token) });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      totalFen: 0,
      ready: false,
      lines: [
        {
          productId: cheap.id,
          qty: 2_000,
          unitPriceFen: null,
          lineTotalFen: null,
          problem: { code: 'amount_too_large' },
        },
      ],
    });
  });
});
