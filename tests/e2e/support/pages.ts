import { beforeAll } from 'vitest';
import { sql as q } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { DEMO_ORDER_STEPS, pastSettlementStep } from '@shanhai/db/seed';
import type { Suite } from './suite';

/** Reads rows from the stack's database (the demo data's ids for the pages that take one). */
type Sql = <R extends object>(text: string, params?: unknown[]) => Promise<R[]>;

export type Role = 'visitor' | 'buyer' | 'coop' | 'office';

/**
 * For a file that walks every page: adds what `npm start` adds to the test template's demo data
 * (the past settled month and current orders in every state, seeded as packages/devstack's start
 * does), so that the pages that show one (a purchase, an order, a statement) have it and every
 * table has rows. Returns the SQL reader pagesOf takes.
 */
export function useStartDemoData(suite: Suite): Sql {
  beforeAll(async () => {
    await suite.stack.api.db.transaction(async (tx) => {
      const users = await tx.execute<{ email: string; org_id: string }>(
        q`select email, org_id from users where email like '%@demo.shanhai'`,
      );
      const orgIds = new Map(users.rows.map((r) => [r.email.split('@')[0]!, r.org_id]));
      for (const step of [pastSettlementStep, ...DEMO_ORDER_STEPS]) await step({ tx, townIds: new Map(), orgIds });
    });
  }, 120_000);
  return (text, params = []) => suite.stack.api.pool.query(text, params).then((r) => r.rows);
}

/** Each role's demo login (none: the visitor). */
export const LOGIN: Record<Role, string | null> = {
  visitor: null,
  buyer: 'buyer@demo.shanhai',
  coop: 'coop@demo.shanhai',
  office: 'office@demo.shanhai',
};

/** The account pages every signed-in user has (apps/web/src/router/routes/core.ts). */
const ACCOUNT = ['/account/org', '/account/members', '/account/password', '/notifications', '/account/notifications'];

/**
 * Every page of the web app by who opens it, as apps/web/src/router/routes/ lists them, with the
 * demo data's ids in the paths that take one (a page a role may not open is not in its list: the
 * router sends it home). The wall screens (/office/wall, /campaigns/:id/wall) are in: a phone may
 * open them too.
 */
export async function pagesOf(role: Role, sql: Sql): Promise<string[]> {
  const one = async (text: string, params: unknown[] = []) => {
    const rows = await sql<{ id: string }>(text, params);
    if (!rows[0]) throw new Error(`no demo row for: ${text}`);
    return rows[0].id;
  };
  const orgOf = (email: string) => one('select org_id as id from users where email = $1', [email]);
  const product = await one(
    "select id from products where status = 'listed' and cooperative_id = $1 order by code limit 1",
    [await orgOf('coop@demo.shanhai')],
  );
  const campaign = await one('select id from campaigns order by starts_on desc limit 1');
  const store = [
    '/',
    '/products',
    `/products/${product}`,
    '/leaderboard',
    `/campaigns/${campaign}`,
    `/campaigns/${campaign}/leaderboard`,
    `/campaigns/${campaign}/wall`,
  ];
  if (role === 'visitor') return [...store, '/login', '/signup', '/forgot-password', '/reset-password', '/welcome'];

  const buyerOrg = await orgOf('buyer@demo.shanhai');
  const purchase = await one('select id from purchases where buyer_org_id = $1 order by created_at desc limit 1', [
    buyerOrg,
  ]);
  if (role === 'buyer')
    return [
      ...store,
      '/cart',
      '/checkout',
      '/purchases',
      `/purchases/${purchase}`,
      `/purchases/${purchase}/print`,
      '/approvals',
      '/unit',
      '/office/sales',
      ...ACCOUNT,
    ];

  if (role === 'coop') {
    const coopOrg = await orgOf('coop@demo.shanhai');
    const order = await one('select id from orders where cooperative_id = $1 order by created_at desc limit 1', [
      coopOrg,
    ]);
    const statement = await one('select id from settlement_statements where cooperative_id = $1 limit 1', [coopOrg]);
    return [
      '/coop',
      '/coop/products',
      '/coop/orders',
      `/coop/orders/${order}`,
      `/coop/orders/${order}/delivery-note`,
      '/coop/balance',
      '/coop/statements',
      `/coop/statements/${statement}`,
      ...ACCOUNT,
    ];
  }

  const statement = await one('select id from settlement_statements limit 1');
  const town = await one("select id from towns where code = 'dakun'");
  return [
    '/office',
    '/office/money',
    '/office/settlements',
    `/office/statements/${statement}`,
    '/office/payments',
    '/office/bank',
    '/office/invoices',
    // The board's other views, kept in its URL.
    ...['town', 'county', 'buyer', 'category', 'product'].map((by) => `/office/leaderboard?by=${by}`),
    '/office/wall',
    `/office/towns/${town}`,
    '/office/sales',
    '/office/units',
    '/office/units/reports',
    '/office/units/classify',
    '/office/pairings',
    `/office/units/${buyerOrg}`,
    '/office/campaigns',
    '/office/campaigns/new',
    `/office/campaigns/${campaign}`,
    '/office/audit',
    `/purchases/${purchase}`,
    `/purchases/${purchase}/print`,
    ...ACCOUNT,
  ];
}

/** How long the api must have been quiet before a page counts as loaded. */
const QUIET_MS = 400;

/**
 * Opens `path` and waits until the page has what it asked the api for: no api request in flight
 * (the live stream, open for good, aside) for QUIET_MS, and fonts loaded. What a page shows before
 * its data arrives (an empty table fits any screen) is not what the reader sees.
 */
export async function openSettled(page: Page, path: string): Promise<void> {
  const inFlight = new Set<unknown>();
  let last = Date.now();
  const counts = (url: string) => url.includes('/api/') && !url.includes('/api/v1/stream');
  const started = (r: { url(): string }) => {
    if (!counts(r.url())) return;
    inFlight.add(r);
    last = Date.now();
  };
  const ended = (r: { url(): string }) => {
    if (!inFlight.delete(r)) return;
    last = Date.now();
  };
  page.on('request', started);
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  try {
    await page.goto(path);
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    while (inFlight.size > 0 || Date.now() - last < QUIET_MS) await page.waitForTimeout(100);
    // One more frame for Vue to render what the last answer brought.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  } finally {
    page.off('request', started);
    page.off('requestfinished', ended);
    page.off('requestfailed', ended);
  }
}
