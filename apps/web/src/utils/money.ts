/** Formatting fen to 元 happens here, and only in the web. */
export function formatYuan(fen: number, locale: string, options: { compact?: boolean } = {}): string {
  const yuan = fen / 100;
  if (options.compact) {
    return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(yuan);
  }
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(yuan);
}

/** 元 with the "万元" unit that Chinese reports use for targets (10,000 元 = 1 万元). */
export function formatWan(fen: number, locale: string): string {
  const wan = fen / 100 / 10_000;
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(wan);
  return locale.startsWith('zh') ? `${n} 万元` : `¥${n} × 10k`;
}
