import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(r1.json().errors).toEqual([{ field: 'body.lines.0.productId', message: 'is not a product' }]);
    const r2 = await put(b.s, [{ productId: '00000000-0000-4000-8000-000000000000', qty: 0 }]);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().errors[0].field).toBe('body.lines.0.qty');
  });
});
