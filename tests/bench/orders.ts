/**
 * `pnpm bench:orders`: POST /api/v1/purchases (3 lines from 2 cooperatives, logged in, a fresh
 * Idempotency-Key each) against a bare Fastify + pg endpoint that runs the equivalent writes
 * (idempotency key claimed, purchase, 2 orders with their first transition, 3 lines, payment, the
 * answer stored with the key, then the stock of all three lines in one conditional update locking
 * in id order, as the api does) on the same database in the same run, one statement at a time and
 * without auth, validation or the expiry job. Prints purchases/s, p99 and the ratio.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { createDb } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { benchApiFromEnv, benchLogin, benchStack, load, printTable, startServer } from './support';

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 10;
/** Purchases of the CPU measurement (0: none); `BENCH_CPU_PROF=<dir>` adds a CPU profile of it. */
const CPU_PURCHASES = Number(process.env.BENCH_CPU_PURCHASES ?? 2000);

const stack = await benchStack('orders');
try {
  const setup = createDb(stack.databaseUrl, { max: 2 });
  const coopOf = async (email: string) =>
    (await setup.pool.query<{ org_id: string }>('select org_id from users where email = $1', [email])).rows[0]!.org_id;
  const coopA = await coopOf('coop@demo.shanhai');
  const coopB = await coopOf('coop2@demo.shanhai');
  // Stock large enough never to run out; tiers so the server has prices to work out.
  const tiers = [
    { minQty: 1, unitPriceFen: 5000 },
    { minQty: 10, unitPriceFen: 4500 },
  ];
  const products = [
    await createProduct(setup.db, { cooperativeId: coopA, stock: 100_000_000, priceTiers: tiers }),
    await createProduct(setup.db, { cooperativeId: coopA, stock: 100_000_000, priceTiers: tiers }),
    await createProduct(setup.db, { cooperativeId: coopB, stock: 100_000_000, priceTiers: tiers }),
  ];
  await setup.close();
  const lines = products.map((p, i) => ({ productId: p.id, qty: 2 + i * 5 }));

  const { api, config, apiUrl } = await benchApiFromEnv(stack, {
    DATABASE_POOL_MAX: '10',
    LOGIN_MAX_PER_ACCOUNT: '100000',
    LOGIN_MAX_PER_IP: '100000',
  });
  const { accessToken, user } = await benchLogin(apiUrl, 'buyer@demo.shanhai');

  // The bare baseline: the same writes with hand-written SQL, no auth, no validation, no reads back.
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 10 });
  const bare = Fastify({ logger: false });
  bare.post('/purchases', async (request, reply) => {
    const key = String(request.headers['idempotency-key']);
    const body = request.body as { lines: { productId: string; qty: number }[] };
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query(
        `insert into idempotency_keys (org_id, key, scope, request_hash, response_status, response_body) values ($1, $2, 'bare', 'h', 0, '{}')`,
        [user.org.id, key],
      );
      // Like the api, it locks the contended product rows last, so they stay locked only for the
      // stock statement and the commit (a baseline that took stock first would be slower).
      const sorted = [...body.lines].sort((a, b) => (a.productId < b.productId ? -1 : 1));
      const info = await c.query<{
        id: string;
        cooperative_id: string;
        town_id: string;
        category: string;
        name_zh: string;
        unit_label: string;
        price: number;
      }>(
        `select id, cooperative_id, town_id, category, name_zh, unit_label, (price_tiers->0->>'unitPriceFen')::int as price from products where id = any($1) and status = 'listed'`,
        [sorted.map((l) => l.productId)],
      );
      const got = sorted.map((l) => ({ ...info.rows.find((r) => r.id === l.productId)!, qty: l.qty }));
      const total = got.reduce((s, g) => s + g.price * g.qty, 0);
      const p = await c.query(
        `insert into purchases (buyer_org_id, created_by, status, payment_method, total_fen, remittance_ref, delivery_address, expires_at)
         values ($1, $2, 'awaiting_payment', 'transfer', $3, $4, 'addr', now() + interval '72 hours') returning id`,
        [user.org.id, user.id, total, `B${randomUUID()}`],
      );
      const byCoop = new Map<string, typeof got>();
      for (const g of got) byCoop.set(g.cooperative_id, [...(byCoop.get(g.cooperative_id) ?? []), g]);
      for (const [coop, ls] of byCoop) {
        const o = await c.query(
          `insert into orders (purchase_id, buyer_org_id, cooperative_id, status, total_fen) values ($1, $2, $3, 'awaiting_payment', $4) returning id`,
          [p.rows[0].id, user.org.id, coop, ls.reduce((s, g) => s + g.price * g.qty, 0)],
        );
        await c.query(
          `insert into order_transitions (order_id, from_status, to_status, actor_user_id, actor) values ($1, null, 'awaiting_payment', $2, 'user')`,
          [o.rows[0].id, user.id],
        );
        for (const g of ls) {
          await c.query(
            `insert into order_lines (order_id, product_id, town_id, category, name_zh, unit_label, qty, unit_price_fen, line_total_fen) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [o.rows[0].id, g.id, g.town_id, g.category, g.name_zh, g.unit_label, g.qty, g.price, g.price * g.qty],
          );
        }
      }
      await c.query(`insert into payments (purchase_id, method, amount_fen) values ($1, 'transfer', $2)`, [
        p.rows[0].id,
        total,
      ]);
      const answer = {
        id: p.rows[0].id,
        totalFen: total,
        lines: got.map((g) => ({ productId: g.id, qty: g.qty, unitPriceFen: g.price })),
      };
      await c.query(
        `update idempotency_keys set response_status = 201, response_body = $3 where org_id = $1 and key = $2`,
        [user.org.id, key, JSON.stringify(answer)],
      );
      const taken = await c.query(
        `with locked as (select id from products where id = any($1::uuid[]) order by id for no key update)
         update products p set stock = p.stock - w.qty from unnest($1::uuid[], $2::int[]) as w(id, qty)
         where p.id = w.id and p.stock >= w.qty and (select count(*) from locked) > 0 returning p.id`,
        [sorted.map((l) => l.productId), sorted.map((l) => l.qty)],
      );
      if (taken.rowCount !== sorted.length) throw new Error('out of stock');
      await c.query('commit');
      return reply.status(201).send(answer);
    } catch (e) {
      await c.query('rollback');
      throw e;
    } finally {
      c.release();
    }
  });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  const body = JSON.stringify({ paymentMethod: 'transfer', lines });
  const common = {
    method: 'POST' as const,
    body,
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    setupRequest: (req: { headers?: Record<string, string> }) => ({
      ...req,
      headers: { ...req.headers, 'idempotency-key': randomUUID() },
    }),
  };
  // Warm-up, then measure each in turn.
  await load({
    ...common,
    url: `${bareUrl}/purchases`,
    label: 'warm-up',
    durationSeconds: 2,
    headers: { 'content-type': 'application/json' },
  });
  await load({
    ...common,
    url: `${apiUrl}/api/v1/purchases`,
    label: 'warm-up',
    durationSeconds: 2,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
  });
  // Alternating rounds, so that a change in the machine's load hits both sides alike; the
  // figure is the median of the rounds' ratios.
  const rows = [];
  const ratios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const baseline = await load({
      ...common,
      url: `${bareUrl}/purchases`,
      label: `bare Fastify + pg (baseline), round ${round}`,
      headers: { 'content-type': 'application/json' },
    });
    const ours = await load({
      ...common,
      url: `${apiUrl}/api/v1/purchases`,
      label: `POST /api/v1/purchases, round ${round}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    });
    rows.push(baseline, ours);
    ratios.push(ours.rps / baseline.rps);
    if (ours.non2xx || baseline.non2xx)
      console.log(`non-2xx in round ${round}: ours ${ours.non2xx}, baseline ${baseline.non2xx}`);
  }
  printTable(
    `Checkout: 3 lines, 2 cooperatives, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_SECONDS} s`,
    rows,
  );
  const sorted = [...ratios].sort((x, y) => x - y);
  console.log(
    `\nratio (purchases/s, ours ÷ baseline) per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (aim ≥ 0.6)`,
  );
  await api.close();
  await bare.close();
  await pool.end();

  // What the api's process spends per purchase, load generator apart: a figure that does not move
  // with what else the machine runs, unlike purchases/s.
  if (CPU_PURCHASES > 0) {
    const server = await startServer('api', { config, cpuProfDir: process.env.BENCH_CPU_PROF });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` };
    await load({ ...common, url: `${server.url}/api/v1/purchases`, label: 'warm-up', amount: 300, headers });
    const before = await server.cpuMicros();
    const r = await load({
      ...common,
      url: `${server.url}/api/v1/purchases`,
      label: `POST /api/v1/purchases × ${CPU_PURCHASES}, api in its own process`,
      amount: CPU_PURCHASES,
      headers,
    });
    const cpu = (await server.cpuMicros()) - before;
    await server.close();
    printTable('Server CPU per purchase', [r]);
    console.log(
      `\napi process CPU: ${(cpu / 1e6).toFixed(2)} s for ${r.requests} purchases (${r.non2xx} non-2xx): ${(cpu / 1000 / r.requests).toFixed(3)} ms per purchase`,
    );
  }
} finally {
  await stack.stop();
}
