import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { createDb, type Db, type DbHandle } from '../src/client';
import { hashPassword } from '../src/passwords';
import { orgs, users } from '../src/schema/identity';
import { towns } from '../src/schema/regions';
import { products } from '../src/schema/catalog';
import { refreshSearchIndex } from '../src/search/index-products';

/**
 * Test databases and fixtures. Each test file clones its own database from a template that the
 * test global setup migrated, so files run in parallel without seeing each other's rows.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test cluster's `postgres` database (tests/support/global-setup.ts). */
    pgAdminUrl: string;
    /** URL of the test Redis; files isolate themselves by key prefix. */
    redisUrl: string;
  }
}

/** Migrated, no rows. */
export const TEMPLATE_EMPTY = 'shanhai_template_empty';
/** Migrated and seeded with the demo world (regions, demo orgs and accounts, …). */
export const TEMPLATE_DEMO = 'shanhai_template_demo';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(adminUrl: string, template: 'empty' | 'demo' = 'demo'): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const from = template === 'demo' ? TEMPLATE_DEMO : TEMPLATE_EMPTY;
  await admin(adminUrl, (c) => c.query(`create database "${name}" template "${from}"`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => admin(adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** This test file's own database, cloned before its tests run and dropped after them. */
export interface FileDatabase {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly database: TestDatabase;
}

/**
 * Registers the hooks that give a test file its own database from `template` and a pool of `max`
 * connections on it; the pool is closed and the database dropped after the file's last test.
 * Read `db` in hooks and tests, not at module load: it exists once the beforeAll hook has run.
 */
export function useTestDatabase(template: 'empty' | 'demo', { max = 3 }: { max?: number } = {}): FileDatabase {
  let database: TestDatabase | undefined;
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(inject('pgAdminUrl'), template);
    handle = createDb(database.url, { max });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  const ready = () => {
    if (!handle || !database) throw new Error('useTestDatabase: read db inside a hook or a test');
    return { handle, database };
  };
  return {
    get db() {
      return ready().handle.db;
    },
    get pool() {
      return ready().handle.pool;
    },
    get database() {
      return ready().database;
    },
  };
}

/** The password of every fixture user. */
export const TEST_PASSWORD = 'correct-horse-battery';
let testPasswordHash: Promise<string> | undefined;

export interface OrgFixture {
  kind: 'buyer' | 'cooperative' | 'office';
  status?: 'pending' | 'active' | 'suspended' | 'rejected';
  name?: string;
  /** Town code for a cooperative (the demo template has the programme's towns). */
  townCode?: string;
  approvalThresholdFen?: number | null;
}

export async function createOrg(db: Db, f: OrgFixture): Promise<typeof orgs.$inferSelect> {
  let townId: string | null = null;
  if (f.townCode) {
    const [t] = await db.select({ id: towns.id }).from(towns).where(eq(towns.code, f.townCode));
    if (!t) throw new Error(`no town ${f.townCode}: use the demo template or create it`);
    townId = t.id;
  }
  const suffix = randomBytes(3).toString('hex');
  const [row] = await db
    .insert(orgs)
    .values({
      kind: f.kind,
      status: f.status ?? 'active',
      name: f.name ?? `${f.kind} ${suffix}`,
      townId,
      address: `Test address ${suffix}`,
      contactName: 'Test contact',
      contactPhone: '020-12345678',
      invoiceTitle: f.kind === 'buyer' ? `Invoice title ${suffix}` : null,
      taxId: f.kind === 'buyer' ? '91440101MA5TESTX01' : null,
      approvalThresholdFen: f.approvalThresholdFen ?? null,
    })
    .returning();
  return row!;
}

export async function createUser(
  db: Db,
  f: { orgId: string; role?: 'owner' | 'manager' | 'member'; email?: string; status?: 'active' | 'deactivated' },
): Promise<typeof users.$inferSelect> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const [row] = await db
    .insert(users)
    .values({
      orgId: f.orgId,
      email: f.email ?? `user-${randomBytes(4).toString('hex')}@test.shanhai`,
      name: 'Test User',
      passwordHash: await testPasswordHash,
      role: f.role ?? 'owner',
      status: f.status ?? 'active',
    })
    .returning();
  return row!;
}

/** An org with one user of the given role: the usual starting point of a tenancy test. */
export async function createOrgWithUser(db: Db, f: OrgFixture & { role?: 'owner' | 'manager' | 'member' }) {
  const org = await createOrg(db, f);
  const user = await createUser(db, { orgId: org.id, role: f.role ?? 'owner' });
  return { org, user };
}

export interface ProductFixture {
  cooperativeId: string;
  nameZh?: string;
  nameEn?: string | null;
  category?: (typeof products.$inferInsert)['category'];
  unitLabel?: string;
  unitSpec?: string | null;
  moq?: number;
  orderStep?: number;
  stock?: number;
  priceTiers?: { minQty: number; unitPriceFen: number }[];
  status?: (typeof products.$inferInsert)['status'];
}

/** A product of a cooperative, credited to the cooperative's town; listed with stock by default. */
export async function createProduct(db: Db, f: ProductFixture): Promise<typeof products.$inferSelect> {
  const [coop] = await db.select({ townId: orgs.townId }).from(orgs).where(eq(orgs.id, f.cooperativeId));
  if (!coop?.townId) throw new Error('createProduct needs a cooperative with a town');
  const moq = f.moq ?? 1;
  const [row] = await db
    .insert(products)
    .values({
      cooperativeId: f.cooperativeId,
      townId: coop.townId,
      category: f.category ?? 'honey',
      nameZh: f.nameZh ?? `测试产品 ${randomBytes(3).toString('hex')}`,
      nameEn: f.nameEn ?? null,
      unitLabel: f.unitLabel ?? '箱',
      unitSpec: f.unitSpec ?? null,
      moq,
      orderStep: f.orderStep ?? 1,
      stock: f.stock ?? 100,
      priceTiers: f.priceTiers ?? [{ minQty: moq, unitPriceFen: 10_000 }],
      status: f.status ?? 'listed',
    })
    .returning();
  await refreshSearchIndex(db, [row!.id]);
  return row!;
}

/**
 * Copies a row `n` times in SQL, for lists longer than any page or old cap: fresh ids, and `set`
 * gives a column an SQL expression over the source row `src` and the copy's number `g`. Returns
 * the copies' ids in the order of g.
 */
export async function cloneRow(
  db: Db,
  table: string,
  id: string,
  n: number,
  set: Record<string, string> = {},
): Promise<string[]> {
  const cols = (
    await db.execute<{ c: string }>(sql`
      select column_name as c from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} and column_name <> 'id'
        and is_identity = 'NO' and is_generated = 'NEVER'
      order by ordinal_position`)
  ).rows.map((r) => r.c);
  const values = cols.map((c) => set[c] ?? `src."${c}"`).join(', ');
  const res = await db.execute<{ id: string }>(
    sql.raw(`insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')})
      select ${values} from "${table}" src, generate_series(1, ${n}) g where src.id = '${id}'
      order by g returning id`),
  );
  return res.rows.map((r) => r.id);
}
