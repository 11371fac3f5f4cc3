import { and, eq, inArray } from 'drizzle-orm';
import { businessDate, type Category } from '@shanhai/domain';
import type { Tx } from '../client';
import { campaignReattributions, campaigns } from '../schema/campaigns';
import { towns } from '../schema/regions';

/** The six towns the source article names: the current demo campaign's scope. */
const CURRENT_TOWN_CODES = ['dakun', 'dadong', 'yonghe', 'daping', 'taibao', 'futang'];
const CURRENT_CATEGORIES: Category[] = ['poultry', 'fruit', 'honey', 'tea', 'grain_oil', 'prepared_food'];

const SEASONS = [
  { zh: '冬季', en: 'Winter', months: [12, 1, 2] },
  { zh: '春季', en: 'Spring', months: [3, 4, 5] },
  { zh: '夏季', en: 'Summer', months: [6, 7, 8] },
  { zh: '秋季', en: 'Autumn', months: [9, 10, 11] },
] as const;

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The current demo campaign: the 消费帮扶周 of the week (Monday to Sunday) holding `today`, named
 * after the season of `today`, so the demo always has a running campaign whatever day it starts on. A seed in
 * a later week adds that week's (the earlier one stays, as a past campaign).
 */
export function currentDemoCampaign(today: string): Omit<typeof campaigns.$inferInsert, 'townIds'> {
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  const startsOn = addDays(today, -weekday);
  const endsOn = addDays(startsOn, 6);
  const month = Number(today.slice(5, 7));
  const season = SEASONS.find((s) => (s.months as readonly number[]).includes(month))!;
  const [, m1, d1] = startsOn.split('-').map(Number);
  const [, m2, d2] = endsOn.split('-').map(Number);
  return {
    nameZh: `${season.zh}消费帮扶周（${m1}月${d1}日–${m2}月${d2}日）`,
    nameEn: `${season.en} Consumption Assistance Week, ${startsOn} to ${endsOn}`,
    startsOn,
    endsOn,
    categories: CURRENT_CATEGORIES,
    targetFen: 3_000_000 * 100,
    bannerZh: '山海同心，一周帮扶：六个结对镇的走地鸡、鲜果、蜂蜜和英德红茶，单位食堂直采',
    bannerEn:
      'One week of mountains and sea together: free-range chicken, fresh fruit, honey and Yingde tea from six paired towns, straight to unit canteens',
  };
}

/**
 * Demo campaigns, all labelled demo: 6·30 广东扶贫济困日 2026 (past once June is over; the demo
 * sales fold into it), this week's 消费帮扶周 (current, six towns and six categories) and the
 * 年货节 before Spring Festival 2027 (coming). Keyed by zh name and first day, so a second seed adds
 * nothing. Seeded before the sales, which their fold attributes.
 */
export async function seedCampaigns(tx: Tx): Promise<void> {
  const scopeTowns = await tx
    .select({ id: towns.id })
    .from(towns)
    .where(inArray(towns.code, CURRENT_TOWN_CODES))
    .orderBy(towns.sortOrder);
  const demo: (typeof campaigns.$inferInsert)[] = [
    { ...currentDemoCampaign(businessDate()), townIds: scopeTowns.map((t) => t.id) },
    {
      nameZh: '6·30 广东扶贫济困日（2026）',
      nameEn: 'Guangdong Poverty Relief Day, 30 June 2026',
      startsOn: '2026-06-15',
      endsOn: '2026-06-30',
      targetFen: 1_000_000_000,
      bannerZh: '山海同心 · 消费帮扶：买清远好物，助乡村振兴',
      bannerEn: 'Mountains and sea together: buy from Qingyuan, help its villages thrive',
    },
    {
      nameZh: '年货节（2027 春节）',
      nameEn: 'New Year Goods Fair, Spring Festival 2027',
      startsOn: '2027-01-15',
      endsOn: '2027-02-05',
      categories: ['poultry', 'prepared_food', 'tea', 'honey', 'grain_oil'] as Category[],
      targetFen: 500_000_000,
      bannerZh: '清远年货，山海团圆：走地鸡、腊味、英德红茶，年前送到单位食堂',
      bannerEn:
        'New Year goods from Qingyuan: free-range chicken, cured meats and Yingde black tea, delivered before the holiday',
    },
  ];
  for (const c of demo) {
    const [exists] = await tx
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(and(eq(campaigns.nameZh, c.nameZh), eq(campaigns.startsOn, c.startsOn)));
    if (exists) continue;
    const [row] = await tx
      .insert(campaigns)
      .values({ ...c, isDemo: true })
      .returning();
    // On a database whose sales were seeded before campaigns existed, the worker counts them in.
    if (row!.startsOn <= businessDate()) {
      const scope = {
        startsOn: row!.startsOn,
        endsOn: row!.endsOn,
        townIds: row!.townIds,
        categories: row!.categories,
        productIds: row!.productIds,
      };
      await tx.insert(campaignReattributions).values({ campaignId: row!.id, before: scope, after: scope });
    }
  }
}
