import { createProduct } from '@shanhai/db/testing';
import { bearer, type Session } from '../../../apps/api/test-support/testing';
import type { Suite } from './suite';

/**
 * The browser tests' setup through the api of their stack (what a test does before or beside the
 * browser: record a sale, approve it, log in for a token, find a user's organisation or a product). JSON in, JSON out; `suite.stack` is read
 * at call time, so this is made at the top of a file and used inside its tests.
 */
export function stackApi(suite: Suite) {
  async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
    const res = await fetch(`${suite.stack.baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return res.json() as Promise<Record<string, unknown>>;
  }
  /** A demo user's access token. */
  const tokenOf = async (email: string) =>
    String((await api('/auth/login', { method: 'POST', body: { email, password: 'shanhai-demo' } })).accessToken);
  /** The organisation of a demo user, read from the stack's database. */
  async function orgOf(email: string): Promise<string> {
    const { rows } = await suite.stack.api.pool.query<{ org_id: string }>('select org_id from users where email = $1', [
      email,
    ]);
    return rows[0]!.org_id;
  }
  /** The id of a product by its Chinese name, read from the stack's database. */
  async function productOf(nameZh: string): Promise<string> {
    const { rows } = await suite.stack.api.pool.query<{ id: string }>('select id from products where name_zh = $1', [
      nameZh,
    ]);
    return rows[0]!.id;
  }
  /**
   * A transfer purchase by the demo buyer of two of a new product (`nameZh`, 50 in stock) of the demo
   * cooperative, placed through the cart and, when `pay`, confirmed paid by the office.
   */
  async function demoPurchase(nameZh: string, pay: boolean) {
    const product = await createProduct(suite.stack.api.db, {
      cooperativeId: await orgOf('coop@demo.shanhai'),
      nameZh,
      stock: 50,
    });
    const buyer = await tokenOf('buyer@demo.shanhai');
    await api('/cart', { method: 'PUT', token: buyer, body: { lines: [{ productId: product.id, qty: 2 }] } });
    const p = (await api('/purchases', { method: 'POST', token: buyer, body: { paymentMethod: 'transfer' } })) as {
      id: string;
      totalFen: number;
      orders: { id: string }[];
    };
    if (pay)
      await api(`/payments/${p.id}/confirm-transfer`, {
        method: 'POST',
        token: await tokenOf('office@demo.shanhai'),
        body: { amountFen: p.totalFen },
      });
    return { ...p, buyer };
  }
  return { api, tokenOf, orgOf, productOf, demoPurchase };
}

/**
 * The money journeys' setup through the stack's api, in process, as the demo buyer, cooperative
 * and office (`sessions`, read at call time): a call that throws on an error status, a SQL read,
 * and a transfer purchase of one new product of the demo cooperative, placed, then paid and taken
 * as far as asked.
 */
export function moneyApi(suite: Suite, sessions: () => { buyer: Session; coop: Session; office: Session }) {
  async function call(s: Session, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
    const res = await suite.stack.api.inject({
      method,
      url: `/api/v1${url}`,
      headers: bearer(s.token),
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  }
  const sql = <R extends object>(text: string, params: unknown[] = []) =>
    suite.stack.api.pool.query<R>(text, params).then((r) => r.rows);

  /** A purchase of one new product of the demo cooperative, placed by the demo buyer, paying by transfer. */
  async function placed(name: string, qty: number, unitPriceFen: number) {
    const { buyer, coop } = sessions();
    const product = await createProduct(suite.stack.api.db, {
      cooperativeId: coop.orgId,
      nameZh: name,
      stock: 100,
      priceTiers: [{ minQty: 1, unitPriceFen }],
    });
    await call(buyer, 'PUT', '/cart', { lines: [{ productId: product.id, qty }] });
    const p = await call(buyer, 'POST', '/purchases', { paymentMethod: 'transfer' });
    return {
      id: p.id as string,
      totalFen: p.totalFen as number,
      orderId: p.orders[0].id as string,
      remittanceRef: p.remittanceRef as string,
    };
  }
  /** …confirmed paid by the office, and, when asked, shipped and delivered, then accepted. */
  async function paid(name: string, qty: number, unitPriceFen: number, to: 'paid' | 'delivered' | 'accepted' = 'paid') {
    const { buyer, coop, office } = sessions();
    const p = await placed(name, qty, unitPriceFen);
    await call(office, 'POST', `/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    if (to !== 'paid') {
      await call(coop, 'POST', `/orders/${p.orderId}/ship`, { carrier: '顺丰', trackingNo: `SF${Date.now()}` });
      await call(coop, 'POST', `/orders/${p.orderId}/deliver`);
    }
    if (to === 'accepted') await call(buyer, 'POST', `/orders/${p.orderId}/accept`);
    return p;
  }
  /** The demo cooperative has a payout account the office confirmed (it is paid only to one). */
  async function payoutAccountConfirmed(
    account: { accountName: string; accountNo: string } = {
      accountName: '阳山县大崑镇肉鸽养殖专业合作社',
      accountNo: '6228 4800 1234 5678',
    },
  ) {
    const { coop, office } = sessions();
    if ((await call(coop, 'GET', '/payout-account')).active) return;
    const req = await call(coop, 'PUT', '/payout-account', {
      ...account,
      bankName: '中国农业银行',
      branch: '阳山支行',
    });
    await call(office, 'POST', `/payout-accounts/${req.id}/confirm`);
  }
  return { call, sql, placed, paid, payoutAccountConfirmed };
}
