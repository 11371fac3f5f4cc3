/**
 * Test support for worker tests: a database of one's own and a config on the run's Redis, and the
 * rows the jobs act on.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { schema, type Db } from '@shanhai/db';
import { createOrg, createProduct, createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import type { WorkerConfig } from '../src/env';

/** A Redis key prefix of one's own: test files share the run's Redis. */
export const testRedisPrefix = () => `t${randomBytes(5).toString('hex')}`;

export async function testWorkerConfig(
  template: 'empty' | 'demo' = 'demo',
): Promise<{ config: WorkerConfig; database: TestDatabase }> {
  const database = await createTestDatabase(inject('pgAdminUrl'), template);
  return {
    database,
    config: {
      databaseUrl: database.url,
      databasePoolMax: 5,
      redisUrl: inject('redisUrl'),
      redisPrefix: testRedisPrefix(),
      logLevel: 'silent',
      concurrency: 2,
      mailFrom: 'Shanhai Test <noreply@shanhai.test>',
      appUrl: 'http://shanhai.test',
      emailConcurrency: 4,
    },
  };
}

type Purchase = typeof schema.purchases.$inferSelect;
type Order = typeof schema.orders.$inferSelect;

/**
 * A transfer purchase of one order of one line of `product`, written as checkout writes its rows
 * (nothing else: no stock taken, no ledger, no journal), for the jobs that act on purchases and orders.
 */
export async function insertOneOrderPurchase(
  db: Db,
  f: {
    buyerOrgId: string;
    createdBy: string;
    product: typeof schema.products.$inferSelect;
    purchaseStatus: Purchase['status'];
    orderStatus: Order['status'];
    qty: number;
    unitPriceFen: number;
    expiresAt?: Date;
    deliveredAt?: Date;
  },
): Promise<{ purchase: Purchase; order: Order }> {
  const totalFen = f.qty * f.unitPriceFen;
  const [purchase] = await db
    .insert(schema.purchases)
    .values({
      buyerOrgId: f.buyerOrgId,
      createdBy: f.createdBy,
      status: f.purchaseStatus,
      paymentMethod: 'transfer',
      totalFen,
      remittanceRef: `T${Math.random()}`,
      deliveryAddress: 'addr',
      expiresAt: f.expiresAt ?? new Date(),
    })
    .returning();
  const [order] = await db
    .insert(schema.orders)
    .values({
      purchaseId: purchase!.id,
      buyerOrgId: f.buyerOrgId,
      cooperativeId: f.product.cooperativeId,
      status: f.orderStatus,
      totalFen,
      ...(f.deliveredAt ? { deliveredAt: f.deliveredAt } : {}),
    })
    .returning();
  await db.insert(schema.orderLines).values({
    orderId: order!.id,
    productId: f.product.id,
    townId: f.product.townId,
    category: f.product.category,
    nameZh: f.product.nameZh,
    unitLabel: f.product.unitLabel,
    qty: f.qty,
    unitPriceFen: f.unitPriceFen,
    lineTotalFen: totalFen,
  });
  return { purchase: purchase!, order: order! };
}

/**
 * Two towns of one county (codes `a` and `b`), a buyer org, and one product of a cooperative in
 * each town: the world the tally fold tests write ledger rows into (order rows name the products).
 */
export async function twoTownsWithProducts(db: Db) {
  const [county] = await db.insert(schema.counties).values({ code: 'c1', nameZh: '县', nameEn: 'C' }).returning();
  const towns = await db
    .insert(schema.towns)
    .values([
      { code: 'a', countyId: county!.id, nameZh: '甲镇', nameEn: 'A' },
      { code: 'b', countyId: county!.id, nameZh: '乙镇', nameEn: 'B' },
    ])
    .returning();
  const buyer = (await createOrg(db, { kind: 'buyer' })).id;
  const coopA = await createOrg(db, { kind: 'cooperative', townCode: 'a' });
  const coopB = await createOrg(db, { kind: 'cooperative', townCode: 'b' });
  return {
    townA: towns[0]!.id,
    townB: towns[1]!.id,
    buyer,
    productA: (await createProduct(db, { cooperativeId: coopA.id })).id,
    productB: (await createProduct(db, { cooperativeId: coopB.id })).id,
  };
}
