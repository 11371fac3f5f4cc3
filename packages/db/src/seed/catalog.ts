import { and, eq } from 'drizzle-orm';
import type { Category, PriceTier } from '@shanhai/domain';
import type { Tx } from '../client';
import { writeAudits } from '../audit';
import { orgs, users } from '../schema/identity';
import { products } from '../schema/catalog';
import { hashSeed, prng } from './ids';
import { demoTowns } from './index';

interface Listing {
  town: string;
  /** `coop`/`coop2` (the demo accounts) or a generated cooperative of the town. */
  coop?: 'coop' | 'coop2';
  category: Category;
  nameZh: string;
  nameEn: string;
  description: string;
  descriptionEn?: string;
  /** The sale unit's name and what one holds, see products.unitLabel / unitSpec. */
  unitLabel: string;
  unitSpec: string | null;
  unitLabelEn: string;
  unitSpecEn: string | null;
  moq: number;
  orderStep: number;
  stock: number;
  leadTimeDays: number;
  certifications: string[];
  certificationsEn?: string[];
  tiers: PriceTier[];
}

/** The products named in qingyuan-facts.json, as a cooperative would list them (prices are demo placeholders). */
const NAMED: Listing[] = [
  {
    town: 'daping',
    coop: 'coop2',
    category: 'honey',
    nameZh: '大坪山花蜂蜜',
    nameEn: 'Daping mountain-flower honey',
    description: '连山大坪镇蜂农采集的山花蜜，镇上灌装厂灌装。',
    descriptionEn: 'Mountain-flower honey gathered by Daping’s beekeepers (Lianshan), bottled at the town’s own plant.',
    unitLabel: '瓶',
    unitSpec: '500 g/瓶',
    unitLabelEn: 'jar',
    unitSpecEn: '500 g/jar',
    moq: 10,
    orderStep: 5,
    stock: 800,
    leadTimeDays: 3,
    certifications: ['绿色食品'],
    certificationsEn: ['Green Food'],
    tiers: [
      { minQty: 10, unitPriceFen: 6800 },
      { minQty: 50, unitPriceFen: 6200 },
      { minQty: 200, unitPriceFen: 5600 },
    ],
  },
  {
    town: 'daping',
    coop: 'coop2',
    category: 'fruit',
    nameZh: '大坪猕猴桃',
    nameEn: 'Daping kiwi fruit',
    description: '大坪镇猕猴桃示范园鲜果，当季采摘，冷链发货。',
    descriptionEn: 'Fresh kiwi fruit from the Daping demonstration orchard, picked in season and shipped chilled.',
    unitLabel: '箱',
    unitSpec: '5 kg/箱',
    unitLabelEn: 'box',
    unitSpecEn: '5 kg/box',
    moq: 5,
    orderStep: 1,
    stock: 400,
    leadTimeDays: 2,
    certifications: [],
    tiers: [
      { minQty: 5, unitPriceFen: 9800 },
      { minQty: 20, unitPriceFen: 8800 },
      { minQty: 100, unitPriceFen: 7900 },
    ],
  },
  {
    town: 'dakun',
    coop: 'coop',
    category: 'poultry',
    nameZh: '大崑乳鸽',
    nameEn: 'Dakun squab (meat pigeon)',
    description: '阳山县大崑镇肉鸽养殖基地出栏乳鸽，宰杀冰鲜。',
    descriptionEn: 'Squab from the meat-pigeon farms of Dakun (Yangshan), dressed and chilled.',
    unitLabel: '只',
    unitSpec: '约 450 g/只',
    unitLabelEn: 'bird',
    unitSpecEn: 'approx. 450 g/bird',
    moq: 20,
    orderStep: 10,
    stock: 3000,
    leadTimeDays: 2,
    certifications: ['动物检疫合格'],
    certificationsEn: ['Animal quarantine certified'],
    tiers: [
      { minQty: 20, unitPriceFen: 3600 },
      { minQty: 100, unitPriceFen: 3300 },
      { minQty: 500, unitPriceFen: 2980 },
    ],
  },
  {
    town: 'dadong',
    category: 'poultry',
    nameZh: '大洞肉鸽',
    nameEn: 'Dadong meat pigeon',
    description: '英德市大洞镇肉鸽养殖场出栏，整只冰鲜。',
    descriptionEn: 'Whole chilled meat pigeon from the farms of Dadong (Yingde).',
    unitLabel: '只',
    unitSpec: '约 500 g/只',
    unitLabelEn: 'bird',
    unitSpecEn: 'approx. 500 g/bird',
    moq: 20,
    orderStep: 10,
    stock: 1500,
    leadTimeDays: 3,
    certifications: [],
    tiers: [
      { minQty: 20, unitPriceFen: 3500 },
      { minQty: 200, unitPriceFen: 3100 },
    ],
  },
  {
    town: 'dadong',
    category: 'crafts',
    nameZh: '大洞烧烤竹签',
    nameEn: 'Dadong bamboo skewers',
    description: '大洞镇竹签厂生产，食品级毛竹，30 cm。',
    descriptionEn: 'Food-grade moso bamboo skewers, 30 cm, from the Dadong skewer works.',
    unitLabel: '包',
    unitSpec: '1000 支/包',
    unitLabelEn: 'pack',
    unitSpecEn: '1,000 skewers/pack',
    moq: 10,
    orderStep: 10,
    stock: 5000,
    leadTimeDays: 5,
    certifications: [],
    tiers: [
      { minQty: 10, unitPriceFen: 2500 },
      { minQty: 100, unitPriceFen: 2100 },
    ],
  },
  {
    town: 'yonghe',
    category: 'herbs',
    nameZh: '永和何首乌切片',
    nameEn: 'Yonghe He Shou Wu (fo-ti root) slices',
    description: '连山永和镇何首乌种植示范基地，切片晒干。',
    descriptionEn: 'He Shou Wu from the Yonghe (Lianshan) growing base, sliced and sun-dried.',
    unitLabel: '袋',
    unitSpec: '500 g/袋',
    unitLabelEn: 'bag',
    unitSpecEn: '500 g/bag',
    moq: 5,
    orderStep: 1,
    stock: 600,
    leadTimeDays: 4,
    certifications: [],
    tiers: [
      { minQty: 5, unitPriceFen: 8800 },
      { minQty: 50, unitPriceFen: 7800 },
    ],
  },
  {
    town: 'futang',
    category: 'crafts',
    nameZh: '壮瑶刺绣香囊',
    nameEn: 'Zhuang and Yao embroidered sachet',
    description: '福堂镇壮瑶风采锦绣专业合作社绣娘手工刺绣。',
    descriptionEn: 'Sachets embroidered by hand by the women of the Futang Zhuang and Yao embroidery cooperative.',
    unitLabel: '个',
    unitSpec: null,
    unitLabelEn: 'piece',
    unitSpecEn: null,
    moq: 10,
    orderStep: 5,
    stock: 300,
    leadTimeDays: 10,
    certifications: [],
    tiers: [
      { minQty: 10, unitPriceFen: 4800 },
      { minQty: 100, unitPriceFen: 4200 },
    ],
  },
  {
    town: 'taibao',
    category: 'crafts',
    nameZh: '醒狮文创摆件',
    nameEn: 'Lion-dance craft ornament',
    description: '太保镇醒狮文化产业基地设计制作的醒狮摆件。',
    unitLabel: '件',
    unitSpec: null,
    unitLabelEn: 'piece',
    unitSpecEn: null,
    moq: 5,
    orderStep: 1,
    stock: 200,
    leadTimeDays: 7,
    certifications: [],
    tiers: [
      { minQty: 5, unitPriceFen: 12800 },
      { minQty: 50, unitPriceFen: 11000 },
    ],
  },
];

/** Generated demo listings: plausible Qingyuan produce, labelled is_demo. */
const GENERIC: {
  category: Category;
  zh: string;
  en: string;
  unit: string;
  spec: string;
  unitEn: string;
  price: number;
}[] = [
  {
    category: 'grain_oil',
    zh: '高山茶油',
    en: 'mountain camellia oil',
    unit: '桶',
    spec: '2.5 L/桶',
    unitEn: 'can',
    price: 26800,
  },
  {
    category: 'tea',
    zh: '高山绿茶',
    en: 'highland green tea',
    unit: '罐',
    spec: '250 g/罐',
    unitEn: 'tin',
    price: 8800,
  },
  {
    category: 'grain_oil',
    zh: '丝苗米',
    en: 'silk-seedling rice',
    unit: '袋',
    spec: '10 kg/袋',
    unitEn: 'bag',
    price: 8900,
  },
  {
    category: 'prepared_food',
    zh: '清远鸡预制菜',
    en: 'Qingyuan chicken ready meal',
    unit: '盒',
    spec: '1 kg/盒',
    unitEn: 'box',
    price: 6800,
  },
  {
    category: 'fruit',
    zh: '砂糖橘',
    en: 'shatangju mandarin',
    unit: '箱',
    spec: '5 kg/箱',
    unitEn: 'box',
    price: 5800,
  },
  { category: 'herbs', zh: '灵芝切片', en: 'lingzhi slices', unit: '袋', spec: '250 g/袋', unitEn: 'bag', price: 9800 },
  {
    category: 'other',
    zh: '竹笋干',
    en: 'dried bamboo shoots',
    unit: '袋',
    spec: '500 g/袋',
    unitEn: 'bag',
    price: 4200,
  },
  {
    category: 'honey',
    zh: '山花蜂蜜',
    en: 'wildflower honey',
    unit: '瓶',
    spec: '500 g/瓶',
    unitEn: 'jar',
    price: 5800,
  },
];

/**
 * Demo listings: the named products of qingyuan-facts.json plus generated ones so that each of the
 * 24 towns has products. Idempotent: keyed by (cooperative, zh name).
 */
export async function seedCatalog(tx: Tx, townIds: Map<string, string>, orgIds: Map<string, string>): Promise<void> {
  const coopOf = new Map<string, string>();
  for (const town of demoTowns()) {
    if (town.code === 'dakun') coopOf.set(town.code, orgIds.get('coop')!);
    else if (town.code === 'daping') coopOf.set(town.code, orgIds.get('coop2')!);
    else {
      const creditCode = `93DEMOCAT${town.code.toUpperCase().slice(0, 9)}`;
      const [existing] = await tx
        .select({ id: orgs.id })
        .from(orgs)
        .where(and(eq(orgs.kind, 'cooperative'), eq(orgs.creditCode, creditCode)));
      const id =
        existing?.id ??
        (
          await tx
            .insert(orgs)
            .values({
              kind: 'cooperative',
              status: 'active',
              name: `${town.zh}农产品专业合作社（演示）`,
              creditCode,
              townId: townIds.get(town.code)!,
              address: `${town.zh}（演示地址）`,
              contactName: '演示联系人',
              contactPhone: '0763-0000000',
              isDemo: true,
            })
            .returning({ id: orgs.id })
        )[0]!.id;
      coopOf.set(town.code, id);
    }
  }
  const listings: (Listing & { isDemo: boolean })[] = NAMED.map((l) => ({ ...l, isDemo: false }));
  for (const town of demoTowns()) {
    const rand = prng(hashSeed(`catalog:${town.code}`));
    const count = 2 + Math.floor(rand() * 2);
    for (let i = 0; i < count; i++) {
      const g = GENERIC[Math.floor(rand() * GENERIC.length)]!;
      const price = Math.round((g.price * (0.85 + rand() * 0.3)) / 10) * 10;
      const moq = [1, 5, 10][Math.floor(rand() * 3)]!;
      listings.push({
        town: town.code,
        category: g.category,
        nameZh: `${town.zh.replace(/[镇乡]$/, '')}${g.zh}`,
        nameEn: `${town.en} ${g.en}`,
        description: `${town.zh}合作社供应的${g.zh}（演示数据）。`,
        unitLabel: g.unit,
        unitSpec: g.spec,
        unitLabelEn: g.unitEn,
        unitSpecEn: g.spec.replace(/\/.*$/, `/${g.unitEn}`),
        moq,
        orderStep: 1,
        stock: Math.floor(rand() * 500),
        leadTimeDays: 2 + Math.floor(rand() * 5),
        certifications: [],
        tiers: [
          { minQty: moq, unitPriceFen: price },
          { minQty: moq * 10, unitPriceFen: Math.round((price * 0.9) / 10) * 10 },
        ],
        isDemo: true,
      });
    }
  }
  const listed: string[] = [];
  for (const l of listings) {
    const cooperativeId = l.coop ? orgIds.get(l.coop)! : coopOf.get(l.town)!;
    const [exists] = await tx
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.cooperativeId, cooperativeId), eq(products.nameZh, l.nameZh)));
    if (exists) continue;
    const [made] = await tx
      .insert(products)
      .values({
        cooperativeId,
        townId: townIds.get(l.town)!,
        category: l.category,
        nameZh: l.nameZh,
        nameEn: l.nameEn,
        description: l.description,
        descriptionEn: l.descriptionEn ?? null,
        unitLabel: l.unitLabel,
        unitSpec: l.unitSpec,
        unitLabelEn: l.unitLabelEn,
        unitSpecEn: l.unitSpecEn,
        moq: l.moq,
        orderStep: l.orderStep,
        stock: l.stock,
        leadTimeDays: l.leadTimeDays,
        certifications: l.certifications,
        certificationsEn: l.certificationsEn ?? [],
        priceTiers: l.tiers,
        status: 'listed',
        isDemo: l.isDemo,
      })
      .returning({ id: products.id });
    listed.push(made!.id);
  }
  // Listed means the office approved it: its audit log says so, as the review does (products-service).
  const officeOrg = orgIds.get('office');
  const [reviewer] = officeOrg
    ? await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.orgId, officeOrg), eq(users.role, 'owner')))
    : [];
  if (reviewer)
    await writeAudits(
      tx,
      listed.map((id) => ({
        actorUserId: reviewer.id,
        actorOrgId: officeOrg!,
        action: 'product.approve' as const,
        entityType: 'product',
        entityId: id,
        before: { status: 'pending_review', revision: null },
        after: { status: 'listed' },
      })),
    );
}
