import { and, eq } from 'drizzle-orm';
import { businessDate, type Category } from '@shanhai/domain';
import type { Tx } from '../client';
import { campaignReattributions, campaigns } from '../schema/campaigns';

/**
 * Demo campaigns, both labelled demo: 6·30 广东扶贫济困日 2026 (past once June is over; the demo
 * sales fold into it) and the 年货节 before Spring Festival 2027 (coming). Keyed by zh name and
 * first day, so a second seed adds nothing. Seeded before the sales, which their fold attributes.
 */
export async function seedCampaigns(tx: Tx): Promise<void> {
  const demo: (typeof campaigns.$inferInsert)[] = [
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
