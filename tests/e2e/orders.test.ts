import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expirePurchaseIfDue } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { paymentIntentIdFor, startFakeStripe, type FakeStripe } from '../../apps/api/test-support/fake-stripe';
import { DEMO_PASSWORD, login } from '../../apps/api/test-support/testing';
import { stackApi } from './support/api';
import {
  answerBox,
  importToCart,
  loginAs,
  newPage,
  placeOrderFromCart,
  screenshotOnFailure,
  signedInPage,
  submitTransfer,
} from './support/browser';
import { fakeStripeJs } from './support/fake-stripe-js';
import { useStackAndBrowser } from './support/suite';

// Stripe is faked at the network boundary only: its HTTP API (for the api) and Stripe.js (for the
// browser). Started before the stack, which points the api at it.
let fake: FakeStripe;
beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
const suite = useStackAndBrowser({ config: () => ({ stripe: fake.config() }) });

const { orgOf } = stackApi(suite);

describe('ordering from two cooperatives, paid by transfer', () => {
  it('buyer checks out two cooperatives at once, pays by transfer, the office confirms, one coop ships, the buyer accepts', async () => {
    const honey = await createProduct(suite.stack.api.db, {
      cooperativeId: await orgOf('coop@demo.shanhai'),
      nameZh: '端到端蜂蜜',
      stock: 50,
      priceTiers: [{ minQty: 1, unitPriceFen: 8800 }],
    });
    const tea = await createProduct(suite.stack.api.db, {
      cooperativeId: await orgOf('coop2@demo.shanhai'),
      nameZh: '端到端红茶',
      stock: 50,
      priceTiers: [{ minQty: 1, unitPriceFen: 12000 }],
    });

    const buyer = await signedInPage(suite.browser, suite.stack.baseUrl, 'buyer@demo.shanhai', 'orders-buyer');
    await importToCart(buyer.page, `product,qty\n${honey.id},10\n端到端红茶,5\n`, 2);
    await expect(buyer.page.locator('[data-test=cart-total]').textContent()).resolves.toContain('1,480.00');
    const purchaseId = await placeOrderFromCart(buyer.page);
    await expect.poll(() => buyer.page.locator('[data-test=order-card]').count()).toBe(2);
    // Each line shows its product code (SH1001…) before the name, as the cart and the coop's order do.
    const codes = await suite.stack.api.pool.query<{ id: string; code: string }>(
      'select id, code from products where id = any($1)',
      [[honey.id, tea.id]],
    );
    const codeOf = (id: string) => codes.rows.find((r) => r.id === id)!.code;
    for (const [product, name] of [
      [honey, '端到端蜂蜜'],
      [tea, '端到端红茶'],
    ] as const) {
      const line = buyer.page.locator('[data-test=order-card] tr', { hasText: name });
      expect(await line.locator('[data-test=line-code]').textContent()).toBe(codeOf(product.id));
      expect(codeOf(product.id)).toMatch(/^SH\d{4,}$/);
    }
    await submitTransfer(buyer.page, 'ICBC20261129001');

    const office = await signedInPage(suite.browser, suite.stack.baseUrl, 'office@demo.shanhai', 'orders-office');
    await office.page.click('[data-test=nav-money-group]');
    await office.page.click('[data-test=nav-payments]');
    await office.page
      .locator('[data-test=payment-queue] tr', { hasText: 'ICBC20261129001' })
      .locator('[data-test=confirm-transfer]')
      .click();
    await answerBox(office.page.locator('.el-message-box', { hasText: '实际到账金额' }));
    await expect
      .poll(
        async () =>
          (
            await suite.stack.api.pool.query<{ status: string }>('select status from purchases where id = $1', [
              purchaseId,
            ])
          ).rows[0]!.status,
      )
      .toBe('paid');
    await office.context.close();

    const coop = await signedInPage(suite.browser, suite.stack.baseUrl, 'coop@demo.shanhai', 'orders-coop');
    await coop.page.click('[data-test=nav-coop-orders]');
    const row = coop.page.locator('[data-test=coop-orders] tr', { hasText: '端到端蜂蜜' });
    await row.locator('[data-test=ship]').click();
    // Shipping is one dialog: a carrier from the list and the tracking number.
    const dialog = coop.page.locator('.el-dialog', { has: coop.page.locator('[data-test=ship-tracking]') });
    await dialog.locator('[data-test=ship-carrier]').click();
    await coop.page.locator('.el-select-dropdown__item:visible', { hasText: '顺丰速运' }).click();
    await dialog.locator('input[data-test=ship-tracking]').fill('SF1234567890');
    await dialog.locator('[data-test=ship-confirm]').click();
    await row.locator('[data-test=deliver]').click();
    // Marking delivered cannot be undone: it asks first, then says what it did.
    await answerBox(coop.page.locator('.el-message-box', { hasText: '确认已送达' }));
    await coop.page.locator('.el-message--success', { hasText: '已标记为送达' }).waitFor();
    // Delivered orders leave the default (paid + shipped) queue.
    await expect
      .poll(
        async () =>
          (
            await suite.stack.api.pool.query<{ status: string }>(
              'select o.status from orders o join order_lines l on l.order_id = o.id where l.product_id = $1',
              [honey.id],
            )
          ).rows[0]!.status,
      )
      .toBe('delivered');
    await coop.context.close();

    await buyer.page.reload();
    await buyer.page.locator('[data-test=order-card]', { hasText: '端到端蜂蜜' }).locator('[data-test=accept]').click();
    await answerBox(buyer.page.locator('.el-message-box', { hasText: '验收后' }));
    await expect
      .poll(() =>
        buyer.page
          .locator('[data-test=order-card]', { hasText: '端到端蜂蜜' })
          .locator('[data-test=order-status]')
          .textContent(),
      )
      .toBe('已验收');
    await expect(
      buyer.page
        .locator('[data-test=order-card]', { hasText: '端到端红茶' })
        .locator('[data-test=order-status]')
        .textContent(),
    ).resolves.toBe('已付款');
    const timeline = await buyer.page
      .locator('[data-test=order-card]', { hasText: '端到端蜂蜜' })
      .locator('[data-test=timeline]')
      .textContent();
    expect(timeline).toContain('已发货');
    const sales = await suite.stack.api.pool.query<{ amount_fen: number }>(
      "select amount_fen from sales where source = 'order' and buyer_org_id = $1 order by amount_fen",
      [await orgOf('buyer@demo.shanhai')],
    );
    expect(sales.rows.map((r) => r.amount_fen)).toEqual([60_000, 88_000]);
    const stock = await suite.stack.api.pool.query<{ stock: number }>(
      'select stock from products where id = any($1) order by stock',
      [[honey.id, tea.id]],
    );
    expect(stock.rows.map((r) => r.stock)).toEqual([40, 45]);
    await buyer.context.close();
  });
});

/** Delivers a signed Stripe event to the running api, as Stripe would. */
async function deliver(type: string, purchaseId: string, amountFen: number) {
  const { payload, signature } = fake.event(type, purchaseId, amountFen);
  const res = await fetch(`${suite.stack.baseUrl}/api/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { outcome: string }).outcome;
}

/** A buyer's card purchase of `qty` × 88 元 honey, placed through the checkout page; returns its id. */
async function placeCardPurchase(page: Page, nameZh: string, qty: number) {
  const honey = await createProduct(suite.stack.api.db, {
    cooperativeId: await orgOf('coop@demo.shanhai'),
    nameZh,
    stock: 50,
    priceTiers: [{ minQty: 1, unitPriceFen: 8800 }],
  });
  await loginAs(page, 'buyer@demo.shanhai');
  await page.waitForSelector('[data-test=user-menu]');
  await importToCart(page, `product,qty\n${honey.id},${qty}\n`, 1);
  await page.click('[data-test=to-checkout]');
  await expect.poll(() => page.locator('[data-test=checkout-address]').inputValue()).not.toBe('');
  await page.click('[data-test=method-card]');
  await page.click('[data-test=place-order]');
  await page.waitForURL((u) => u.pathname.startsWith('/purchases/'));
  return { purchaseId: new URL(page.url()).pathname.split('/')[2]!, productId: honey.id };
}

describe('paying by card through Stripe (faked at the network boundary)', () => {
  it('the buyer types a card into the Payment Element, a decline is shown, then the page waits for the bank and flips to paid when the webhook lands', async () => {
    const buyer = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(buyer.page, 'orders-card');
    await fakeStripeJs(buyer.page);
    const { purchaseId } = await placeCardPurchase(buyer.page, '端到端刷卡蜂蜜', 2);

    // The form opens by itself: the api made the PaymentIntent, Stripe.js got its client secret.
    const card = buyer.page.locator('[data-test=fake-stripe-card]');
    await card.waitFor();
    const pi = paymentIntentIdFor(purchaseId);
    const created = fake.calls.filter(
      (c) => c.path === '/v1/payment_intents' && new URLSearchParams(c.body).get('metadata[purchaseId]') === purchaseId,
    );
    expect(
      created.map((c) => [new URLSearchParams(c.body).get('amount'), new URLSearchParams(c.body).get('currency')]),
    ).toEqual([['17600', 'cny']]);
    const seen = () =>
      buyer.page.evaluate(
        () =>
          (
            window as unknown as {
              __fakeStripe: {
                publishableKey: string;
                elementType: string;
                elementsOptions: { clientSecret: string; locale: string };
                confirms: { clientSecret: string; card: string; redirect: string }[];
              };
            }
          ).__fakeStripe,
      );
    expect(await seen()).toMatchObject({
      publishableKey: 'pk_test_fake_shanhai',
      elementType: 'payment',
      elementsOptions: { clientSecret: `${pi}_secret_x`, locale: 'zh' },
      confirms: [],
    });
    await expect(buyer.page.locator('[data-test=card-confirm]').textContent()).resolves.toContain('176.00');

    await card.fill('4000 0000 0000 0002');
    await buyer.page.click('[data-test=card-confirm]');
    await expect
      .poll(() => buyer.page.locator('[data-test=card-error]').textContent())
      .toContain('Your card was declined.');
    expect(await buyer.page.locator('[data-test=purchase-status]').textContent()).toBe('待付款');

    await card.fill('4242 4242 4242 4242');
    await buyer.page.click('[data-test=card-confirm]');
    await buyer.page.locator('[data-test=card-processing]').waitFor();
    expect(await buyer.page.locator('[data-test=card-processing]').textContent()).toContain('正在等待银行确认');
    expect((await seen()).confirms).toEqual([
      {
        clientSecret: `${pi}_secret_x`,
        card: '4000000000000002',
        redirect: 'if_required',
        returnUrl: `${suite.stack.baseUrl}/purchases/${purchaseId}`,
      },
      {
        clientSecret: `${pi}_secret_x`,
        card: '4242424242424242',
        redirect: 'if_required',
        returnUrl: `${suite.stack.baseUrl}/purchases/${purchaseId}`,
      },
    ]);
    expect(await buyer.page.locator('[data-test=purchase-status]').textContent()).toBe('待付款');

    // A mark that a reload would wipe: the page must update in place.
    await buyer.page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    expect(await deliver('payment_intent.succeeded', purchaseId, 17_600)).toBe('paid');
    await expect
      .poll(() => buyer.page.locator('[data-test=purchase-status]').textContent(), { timeout: 10_000 })
      .toBe('已付款');
    await buyer.page.locator('[data-test=card-paid]').waitFor();
    expect(await buyer.page.locator('[data-test=card-box]').count()).toBe(0);
    expect(await buyer.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(
      true,
    );
    const sales = await suite.stack.api.pool.query<{ amount_fen: number }>(
      'select s.amount_fen from sales s join order_lines l on l.id::text = s.source_ref join orders o on o.id = l.order_id where o.purchase_id = $1',
      [purchaseId],
    );
    expect(sales.rows).toEqual([{ amount_fen: 17_600 }]);
    await buyer.context.close();
  });

  it('a payment that lands after the purchase expired is refunded automatically and the purchase page says so (en)', async () => {
    const buyer = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(buyer.page, 'orders-card-late');
    await fakeStripeJs(buyer.page);
    const { purchaseId, productId } = await placeCardPurchase(buyer.page, '端到端过期蜂蜜', 1);
    await buyer.page.locator('[data-test=fake-stripe-card]').fill('4242 4242 4242 4242');
    await buyer.page.click('[data-test=card-confirm]');
    await buyer.page.locator('[data-test=card-processing]').waitFor();
    expect(await buyer.page.locator('[data-test=card-processing]').textContent()).toContain(
      "waiting for the bank's confirmation",
    );

    // The bank is slow; the purchase expires (stock back), then the success arrives.
    expect(await expirePurchaseIfDue(suite.stack.api.db, purchaseId, new Date(Date.now() + 31 * 60_000))).toBe(true);
    expect(await deliver('payment_intent.succeeded', purchaseId, 8800)).toBe('refunded');
    expect(await deliver('payment_intent.succeeded', purchaseId, 8800)).toBe('already_refunded');
    await expect
      .poll(() => buyer.page.locator('[data-test=auto-refund]').textContent(), { timeout: 10_000 })
      .toContain('Payment of ¥88.00 refunded automatically: the purchase had expired');
    expect(await buyer.page.locator('[data-test=purchase-status]').textContent()).toBe('Expired');
    // The refund is made by the worker after the webhook's commit.
    await expect
      .poll(() => fake.calls.filter((c) => c.path === '/v1/refunds').map((c) => c.idempotencyKey), { timeout: 30_000 })
      .toEqual([`late-payment-refund-${paymentIntentIdFor(purchaseId)}`]);
    const stock = await suite.stack.api.pool.query<{ stock: number }>('select stock from products where id = $1', [
      productId,
    ]);
    expect(stock.rows).toEqual([{ stock: 50 }]);
    await buyer.context.close();
  });
});

/**
 * Copies a row `n` times in SQL (fresh ids; `set` gives a column an SQL expression over the source
 * row `src` and the copy's number `g`); the copies' ids in the order of g.
 */
async function cloneRow(table: string, id: string, n: number, set: Record<string, string>): Promise<string[]> {
  const pool = suite.stack.api.pool;
  const cols = (
    await pool.query<{ c: string }>(
      `select column_name as c from information_schema.columns
       where table_schema = current_schema() and table_name = $1 and column_name <> 'id'
         and is_identity = 'NO' and is_generated = 'NEVER'
       order by ordinal_position`,
      [table],
    )
  ).rows.map((r) => r.c);
  const values = cols.map((c) => set[c] ?? `src."${c}"`).join(', ');
  const res = await pool.query<{ id: string }>(
    `insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')})
     select ${values} from "${table}" src, generate_series(1, ${n}) g where src.id = $1
     order by g returning id`,
    [id],
  );
  return res.rows.map((r) => r.id);
}

describe('a payment queue longer than one page (issue 13: every list paged)', () => {
  it('the office sees the first 200 transfers with 加载更多, loads the rest, and the home badge counts them all', async () => {
    const api = suite.stack.api;
    const product = await createProduct(api.db, {
      cooperativeId: await orgOf('coop@demo.shanhai'),
      nameZh: '端到端分页蜂蜜',
      stock: 50,
      priceTiers: [{ minQty: 1, unitPriceFen: 5000 }],
    });
    const buyer = await login(api, 'buyer@demo.shanhai', DEMO_PASSWORD);
    const headers = { authorization: `Bearer ${buyer.token}` };
    const cart = await api.inject({
      method: 'PUT',
      url: '/api/v1/cart',
      headers,
      payload: { lines: [{ productId: product.id, qty: 1 }] },
    });
    expect(cart.statusCode, cart.body).toBe(200);
    const placed = await api.inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers,
      payload: { paymentMethod: 'transfer' },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const source = placed.json() as { id: string; remittanceRef: string };
    // 250 more transfers awaiting payment, copied in SQL (a purchase and its payment each), older
    // than the one placed: the queue is longer than its first page of 200.
    const ids = await cloneRow('purchases', source.id, 250, {
      remittance_ref: `src.remittance_ref || '-' || g`,
      created_at: `src.created_at - g * interval '1 second'`,
    });
    const { rows: payment } = await api.pool.query<{ id: string }>('select id from payments where purchase_id = $1', [
      source.id,
    ]);
    await cloneRow('payments', payment[0]!.id, 250, {
      purchase_id: `('{${ids.join(',')}}'::uuid[])[g]`,
      created_at: `src.created_at - g * interval '1 second'`,
    });
    const { rows: queued } = await api.pool.query<{ n: number }>(
      `select count(*)::int as n from payments p join purchases u on u.id = p.purchase_id
       where p.method = 'transfer' and u.status = 'awaiting_payment'`,
    );
    const total = queued[0]!.n;
    expect(total).toBeGreaterThan(250);

    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'orders-payment-queue-paged');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForURL((u) => u.pathname === '/office');
    // The badge counts the whole queue, not the page the list answers.
    await expect.poll(() => office.page.locator('[data-test=queue-payments-count]').textContent()).toBe(String(total));
    await office.page.click('[data-test=nav-money-group]');
    await office.page.click('[data-test=nav-payments]');
    const rows = office.page.locator('[data-test=payment-queue] .el-table__body-wrapper tr.el-table__row');
    await expect.poll(() => rows.count()).toBe(200);
    const more = office.page.locator('[data-test=load-more]');
    await expect(more.textContent()).resolves.toContain('加载更多');
    await more.click();
    await expect.poll(() => rows.count()).toBe(Math.min(total, 400));
    if (total > 400) await more.click();
    await expect.poll(() => rows.count()).toBe(total);
    await expect.poll(() => more.count()).toBe(0);
    // The oldest copy is on the last page, shown once.
    await expect(
      office.page.locator('[data-test=payment-queue] tr', { hasText: `${source.remittanceRef}-250` }).count(),
    ).resolves.toBe(1);
    await office.context.close();
  });
});
