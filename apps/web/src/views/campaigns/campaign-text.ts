import { useI18n } from 'vue-i18n';
import { businessDate, type Campaign, type CampaignScope } from '@shanhai/domain';
import { useRegionsStore } from '@/stores/regions';

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);

/** How a campaign reads in the page's language: its name, banner, days and scope. */
export function useCampaignText() {
  const { t, locale } = useI18n();
  const regions = useRegionsStore();
  const en = () => locale.value === 'en';

  const name = (c: Pick<Campaign, 'nameZh' | 'nameEn'>) => (en() ? c.nameEn : c.nameZh);
  const banner = (c: Pick<Campaign, 'bannerZh' | 'bannerEn'>) => (en() ? c.bannerEn || c.bannerZh : c.bannerZh);
  const range = (s: Pick<CampaignScope, 'startsOn' | 'endsOn'>) =>
    t('campaigns.range', { from: s.startsOn, to: s.endsOn });

  /** "还剩 5 天", "3 天后开始", "已结束": where the campaign stands today. */
  function countdown(c: Pick<Campaign, 'startsOn' | 'endsOn'>): string {
    const today = businessDate();
    if (today < c.startsOn) return t('campaigns.startsIn', { n: daysBetween(today, c.startsOn) });
    if (today > c.endsOn) return t('campaigns.ended');
    const left = daysBetween(today, c.endsOn);
    return left === 0 ? t('campaigns.lastDay') : t('campaigns.daysLeft', { n: left + 1 });
  }

  /** The phase and, unless it is over, how far off its start or end is: "进行中 · 还剩 5 天", "已结束". */
  const status = (c: Pick<Campaign, 'phase' | 'startsOn' | 'endsOn'>) =>
    c.phase === 'past' ? t('campaigns.phase.past') : `${t(`campaigns.phase.${c.phase}`)} · ${countdown(c)}`;

  function townNames(ids: string[]): string {
    if (!ids.length) return t('campaigns.allTowns');
    const all = Object.values(regions.byYear).flatMap((r) => r.counties.flatMap((c) => c.towns));
    return ids
      .map((id) => all.find((tw) => tw.id === id))
      .map((tw) => (tw ? (en() ? tw.nameEn : tw.nameZh) : '?'))
      .join(en() ? ', ' : '、');
  }
  const categoryNames = (cats: string[]) =>
    cats.length ? cats.map((c) => t(`category.${c}`)).join(en() ? ', ' : '、') : t('campaigns.allCategories');
  const productNames = (ids: string[]) =>
    ids.length ? t('campaigns.count', { n: ids.length }) : t('campaigns.allProducts');

  /** Each part of a scope that is narrowed, in a line: "帮扶镇：大崑镇、大坪镇 · 品类：蜂蜜". */
  function scopeLine(s: CampaignScope): string {
    const parts = [];
    if (s.townIds.length) parts.push(`${t('campaigns.towns')}: ${townNames(s.townIds)}`);
    if (s.categories.length) parts.push(`${t('campaigns.categories')}: ${categoryNames(s.categories)}`);
    if (s.productIds.length) parts.push(`${t('campaigns.products')}: ${productNames(s.productIds)}`);
    return parts.length ? parts.join(' · ') : `${t('campaigns.allTowns')} · ${t('campaigns.allCategories')}`;
  }

  /** What an edit changed in days and scope, one line per part that differs. */
  function changes(before: CampaignScope, after: CampaignScope): string[] {
    const out: string[] = [];
    if (before.startsOn !== after.startsOn || before.endsOn !== after.endsOn)
      out.push(t('campaigns.daysChange', { before: range(before), after: range(after) }));
    const same = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join();
    if (!same(before.townIds, after.townIds))
      out.push(
        t('campaigns.scopeChange', {
          what: t('campaigns.towns'),
          before: townNames(before.townIds),
          after: townNames(after.townIds),
        }),
      );
    if (!same(before.categories, after.categories))
      out.push(
        t('campaigns.scopeChange', {
          what: t('campaigns.categories'),
          before: categoryNames(before.categories),
          after: categoryNames(after.categories),
        }),
      );
    if (!same(before.productIds, after.productIds))
      out.push(
        t('campaigns.scopeChange', {
          what: t('campaigns.products'),
          before: productNames(before.productIds),
          after: productNames(after.productIds),
        }),
      );
    return out.length ? out : [t('campaigns.unchanged')];
  }

  return { name, banner, range, countdown, status, scopeLine, changes, townNames, categoryNames };
}
