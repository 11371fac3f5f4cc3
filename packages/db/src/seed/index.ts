import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { writeAudits, type AuditEntry } from '../audit';
import { hashPassword } from '../passwords';
import { orgs, users } from '../schema/identity';
import { counties, pairings, towns, townTargets } from '../schema/regions';
import { hashSeed, prng } from './ids';
import { seedCatalog } from './catalog';
import { refreshSearchIndex } from '../search/index-products';
import { seedSales } from './sales';
import { seedUnits } from './units';
import { seedCampaigns } from './campaigns';
import facts from './qingyuan-facts.json' with { type: 'json' };

export { pastSettlementStep } from './settlement';
export { DEMO_ORDER_STEPS, DEMO_PURCHASES, seedDemoOrders, seedDemoOrdersInto } from './orders';

export const DEMO_PASSWORD = 'shanhai-demo';
/** The office owner: who approved, confirmed and set up what the demo starts with. */
export const OFFICE_EMAIL = 'office@demo.shanhai';

export interface DemoAccount {
  email: string;
  role: string;
  what: string;
}

export const DEMO_ACCOUNTS: DemoAccount[] = [
  { email: 'office@demo.shanhai', role: 'office owner', what: '广清指挥部 command office console' },
  { email: 'office2@demo.shanhai', role: 'office manager', what: 'a second office reviewer (four eyes)' },
  { email: 'buyer@demo.shanhai', role: 'buyer owner', what: 'Guangzhou partner unit paired with 大崑镇 Dakun' },
  { email: 'buyer2@demo.shanhai', role: 'buyer owner', what: 'another Guangzhou partner unit' },
  { email: 'coop@demo.shanhai', role: 'cooperative owner', what: 'a cooperative in 大崑镇 Dakun' },
  { email: 'coop2@demo.shanhai', role: 'cooperative owner', what: 'a cooperative in 大坪镇 Daping' },
];

/** Dakun's 2026 target is stated in the source article: 10,000,000 元. */
const DAKUN_TARGET_2026_FEN = 10_000_000 * 100;

const SEED_LOCK_KEY = 74_2026_0002;

function titleCase(code: string): string {
  if (code === 'xian') return "Xi'an";
  return code.charAt(0).toUpperCase() + code.slice(1);
}

interface SeedOrg {
  key: string;
  kind: 'buyer' | 'cooperative' | 'office';
  name: string;
  creditCode: string;
  townCode?: string;
  address: string;
  contactName: string;
  contactPhone: string;
  invoiceTitle?: string;
  taxId?: string;
  approvalThresholdFen?: number;
  owner: { email: string; name: string };
  /** Further users of the org, beside its owner. */
  staff?: { email: string; name: string; role: 'manager' | 'member' }[];
}

const DEMO_ORGS: SeedOrg[] = [
  {
    key: 'office',
    kind: 'office',
    name: '广清指挥部（演示）',
    creditCode: '11441800MB2DEMX001',
    address: '清远市清城区（演示地址）',
    contactName: '值班室',
    contactPhone: '0763-0000000',
    owner: { email: 'office@demo.shanhai', name: '指挥部 演示账号' },
    // Whoever records an offline sale cannot approve it: the demo needs a second pair of eyes.
    staff: [{ email: 'office2@demo.shanhai', name: '指挥部 复核员', role: 'manager' }],
  },
  {
    key: 'buyer',
    kind: 'buyer',
    name: '广州山海示范采购集团（演示）',
    creditCode: '91440101MA5DEMX001',
    address: '广州市天河区示范路 1 号（演示地址）',
    contactName: '陈采购',
    contactPhone: '020-00000001',
    invoiceTitle: '广州山海示范采购集团有限公司（演示）',
    taxId: '91440101MA5DEMX001',
    approvalThresholdFen: 50_000 * 100,
    owner: { email: 'buyer@demo.shanhai', name: '陈采购' },
  },
  {
    key: 'buyer2',
    kind: 'buyer',
    name: '广州市示范机关工会（演示）',
    creditCode: '81440101MC1DEMX002',
    address: '广州市越秀区示范街 2 号（演示地址）',
    contactName: '李工会',
    contactPhone: '020-00000002',
    invoiceTitle: '广州市示范机关工会（演示）',
    taxId: '81440101MC1DEMX002',
    approvalThresholdFen: 20_000 * 100,
    owner: { email: 'buyer2@demo.shanhai', name: '李工会' },
  },
  {
    key: 'coop',
    kind: 'cooperative',
    name: '阳山县大崑镇肉鸽养殖专业合作社（演示）',
    creditCode: '93441823MA4DEMX003',
    townCode: 'dakun',
    address: '阳山县大崑镇（演示地址）',
    contactName: '黄社长',
    contactPhone: '0763-0000003',
    owner: { email: 'coop@demo.shanhai', name: '黄社长' },
  },
  {
    key: 'coop2',
    kind: 'cooperative',
    name: '连山大坪镇蜂蜜猕猴桃专业合作社（演示）',
    creditCode: '93441825MA4DEMX004',
    townCode: 'daping',
    address: '连山壮族瑶族自治县大坪镇（演示地址）',
    contactName: '莫社长',
    contactPhone: '0763-0000004',
    owner: { email: 'coop2@demo.shanhai', name: '莫社长' },
  },
];

interface TownSeed {
  code: string;
  zh: string;
  en: string;
  county: string;
  isDemo: boolean;
}

export function demoTowns(): TownSeed[] {
  const named = facts.towns_named_in_article.map((t) => ({
    code: t.code,
    zh: t.zh,
    en: t.en,
    county: t.county,
    isDemo: false,
  }));
  const extra = facts.demo.extra_towns.map((t) => ({
    code: t.code,
    zh: t.zh,
    en: titleCase(t.code),
    county: t.county,
    isDemo: true,
  }));
  return [...named, ...extra];
}

/** Generated yearly target for a demo town: 3–12 million 元, a whole 10,000 元. */
function demoTargetFen(townCode: string, year: number): number {
  const r = prng(hashSeed(`${townCode}:${year}`))();
  const yuan = Math.round((3_000_000 + r * 9_000_000) / 10_000) * 10_000;
  return yuan * 100;
}

async function seedRegions(tx: Tx): Promise<Map<string, string>> {
  for (const [i, c] of facts.counties.entries()) {
    await tx.insert(counties).values({ code: c.code, nameZh: c.zh, nameEn: c.en, sortOrder: i }).onConflictDoNothing();
  }
  const countyIds = new Map((await tx.select().from(counties)).map((c) => [c.code, c.id]));
  for (const [i, t] of demoTowns().entries()) {
    const countyId = countyIds.get(t.county);
    if (!countyId) throw new Error(`unknown county ${t.county} for town ${t.code}`);
    await tx
      .insert(towns)
      .values({ code: t.code, countyId, nameZh: t.zh, nameEn: t.en, isDemo: t.isDemo, sortOrder: i })
      .onConflictDoNothing();
  }
  const townIds = new Map((await tx.select({ id: towns.id, code: towns.code }).from(towns)).map((t) => [t.code, t.id]));
  for (const t of demoTowns()) {
    const townId = townIds.get(t.code)!;
    for (const year of [2025, 2026]) {
      const official = t.code === 'dakun' && year === 2026;
      await tx
        .insert(townTargets)
        .values({
          townId,
          year,
          targetFen: official ? DAKUN_TARGET_2026_FEN : demoTargetFen(t.code, year),
          isDemo: !official,
        })
        .onConflictDoNothing();
    }
  }
  return townIds;
}

async function seedOrgs(tx: Tx, townIds: Map<string, string>): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  /** What the office did to set the demo up, for its audit log (written once, when the rows are new). */
  const audits: (Omit<AuditEntry, 'actorUserId' | 'actorOrgId'> & { by: string })[] = [];
  for (const o of DEMO_ORGS) {
    const [existing] = await tx
      .select({ id: orgs.id })
      .from(orgs)
      .where(and(eq(orgs.kind, o.kind), eq(orgs.creditCode, o.creditCode)));
    let orgId = existing?.id;
    if (!orgId) {
      const [row] = await tx
        .insert(orgs)
        .values({
          kind: o.kind,
          status: 'active',
          name: o.name,
          creditCode: o.creditCode,
          townId: o.townCode ? townIds.get(o.townCode) : null,
          address: o.address,
          contactName: o.contactName,
          contactPhone: o.contactPhone,
          invoiceTitle: o.invoiceTitle ?? null,
          taxId: o.taxId ?? null,
          approvalThresholdFen: o.approvalThresholdFen ?? null,
          isDemo: true,
        })
        .returning({ id: orgs.id });
      orgId = row!.id;
      if (o.kind !== 'office')
        audits.push({
          by: OFFICE_EMAIL,
          action: 'org.activate',
          entityType: 'org',
          entityId: orgId,
          before: { status: 'pending' },
          after: { status: 'active' },
        });
    }
    ids.set(o.key, orgId);
    await tx
      .insert(users)
      .values({ orgId, email: o.owner.email, name: o.owner.name, passwordHash, role: 'owner' })
      .onConflictDoNothing();
    for (const u of o.staff ?? []) {
      const [added] = await tx
        .insert(users)
        .values({ orgId, email: u.email, name: u.name, passwordHash, role: u.role })
        .onConflictDoNothing()
        .returning({ id: users.id });
      // Added by the org's owner with this role, as inviting a member is audited.
      if (added)
        audits.push({
          by: o.owner.email,
          action: 'member.invite',
          entityType: 'user',
          entityId: added.id,
          after: { email: u.email, role: u.role },
        });
    }
  }
  if (audits.length > 0) {
    const actors = await tx
      .select({ id: users.id, orgId: users.orgId, email: users.email })
      .from(users)
      .where(inArray(users.email, [...new Set(audits.map((a) => a.by))]));
    const actor = (email: string) => actors.find((u) => u.email === email)!;
    await writeAudits(
      tx,
      audits.map(({ by, ...a }) => ({ ...a, actorUserId: actor(by).id, actorOrgId: actor(by).orgId })),
    );
  }
  return ids;
}

async function seedPairings(tx: Tx, townIds: Map<string, string>, orgIds: Map<string, string>): Promise<void> {
  const rows = [
    { org: 'buyer', town: 'dakun', role: 'lead' as const, pledgeFen: 1_500_000 * 100 },
    { org: 'buyer2', town: 'daping', role: 'member' as const, pledgeFen: 300_000 * 100 },
    { org: 'buyer2', town: 'dakun', role: 'member' as const, pledgeFen: null },
  ];
  for (const r of rows) {
    await tx
      .insert(pairings)
      .values({
        buyerOrgId: orgIds.get(r.org)!,
        townId: townIds.get(r.town)!,
        role: r.role,
        startsOn: '2024-01-01',
        pledgeFen: r.pledgeFen,
      })
      .onConflictDoNothing();
  }
}

export interface SeedContext {
  tx: Tx;
  townIds: Map<string, string>;
  orgIds: Map<string, string>;
}

/** Later features add their demo data by registering a step; each step must be idempotent. */
export type SeedStep = (ctx: SeedContext) => Promise<void>;

/**
 * Seeds the demo data, idempotently: every row is keyed by a natural key (codes, emails, credit
 * codes), so a second run adds nothing. For `npm start` only, never a production deploy.
 */
export async function seedDemo(db: Db, steps: SeedStep[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`);
    const townIds = await seedRegions(tx);
    const orgIds = await seedOrgs(tx, townIds);
    await seedPairings(tx, townIds, orgIds);
    await seedCatalog(tx, townIds, orgIds);
    await seedUnits(tx, orgIds);
    for (const step of steps) await step({ tx, townIds, orgIds });
    await seedCampaigns(tx);
    await seedSales(tx, townIds, orgIds);
    // Products written above (and by steps) get their search words.
    await refreshSearchIndex(tx);
  });
}
