import { useI18n } from 'vue-i18n';
import { qtyWithUnit, quantityText, unitIn, type MessageLang, type SaleUnit } from '@shanhai/domain';

/**
 * Quantities in the reader's language: "10 瓶" with "500 g/瓶" beside it (see @shanhai/domain
 * sale-unit). English content falls back to Chinese: `inChinese` says when the marker is due.
 */
export function useSaleUnit() {
  const { locale } = useI18n();
  const lang = (): MessageLang => (locale.value === 'en' ? 'en' : 'zh-CN');
  return {
    /** "瓶" / "jar". */
    name: (u: SaleUnit) => unitIn(u, lang()).name,
    spec: (u: SaleUnit) => unitIn(u, lang()).spec,
    /** "10 瓶". */
    qty: (n: number, u: SaleUnit) => qtyWithUnit(n, u, lang()),
    /** "10 瓶（500 g/瓶）", for one-line text. */
    text: (n: number, u: SaleUnit) => quantityText(n, u, lang()),
    /** The unit shows in Chinese in the English interface. */
    unitInChinese: (u: SaleUnit) => lang() === 'en' && unitIn(u, 'en').fallback,
    /** An English text or, marked, the Chinese one. */
    content: (zh: string | null, en: string | null | undefined) =>
      lang() === 'en' && en ? { text: en, inChinese: false } : { text: zh, inChinese: lang() === 'en' && !!zh },
  };
}
