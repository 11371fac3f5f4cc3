/** Formatting fen to 元 happens here, and only in the web. */
export function formatYuan(fen: number, locale: string, options: { compact?: boolean } = {}): string {
  const yuan = fen / 100;
  if (options.compact) {
    return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(yuan);
  }
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(yuan);
}

const compactYuan = new Intl.NumberFormat('en', {
  style: 'currency',
  currency: 'CNY',
  currencyDisplay: 'narrowSymbol',
  notation: 'compact',
  minimumFractionDigits: 0,
  maximumFractionDigits: 2,
});

/**
 * Large sums the way their readers count: "万元" in Chinese (10,000 元 = 1 万元, the unit of
 * targets and reports), compact yuan in English (¥5.3M, ¥120K).
 */
export function formatWan(fen: number, locale: string): string {
  if (!locale.startsWith('zh')) return compactYuan.format(fen / 100);
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(fen / 100 / 10_000)} 万元`;
}
