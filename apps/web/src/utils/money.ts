/** Formatting fen to 元 happens here, and only in the web. */

/** "¥" in both languages: Intl's default for CNY outside Chinese is "CN¥", which nobody here writes. */
export function formatYuan(fen: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(fen / 100);
}

/**
 * A scale large sums are written in: Chinese readers count in 万元 (10,000 元, the unit of targets
 * and reports), English readers in thousands or millions. `divisor` is in 元.
 */
interface Scale {
  divisor: number;
  digits: number;
  suffix: string;
}
const WAN: Scale = { divisor: 10_000, digits: 2, suffix: ' 万元' };
const YUAN_ZH: Scale = { divisor: 1, digits: 2, suffix: ' 元' };
const MILLION: Scale = { divisor: 1_000_000, digits: 2, suffix: 'M' };
const THOUSAND: Scale = { divisor: 1_000, digits: 1, suffix: 'K' };
const YUAN_EN: Scale = { divisor: 1, digits: 0, suffix: '' };

const zh = (locale: string) => locale.startsWith('zh');

/** The scale that suits the largest figure of a set (万元 from 10,000 元, M from ¥1M, K from ¥10K). */
function scaleFor(fens: readonly (number | null | undefined)[], locale: string): Scale {
  const max = Math.max(0, ...fens.map((f) => Math.abs(f ?? 0))) / 100;
  if (zh(locale)) return max >= 10_000 ? WAN : YUAN_ZH;
  if (max >= 1_000_000) return MILLION;
  return max >= 10_000 ? THOUSAND : YUAN_EN;
}

function inScale(fen: number, scale: Scale, locale: string): string {
  const size = Math.abs(fen) / 100 / scale.divisor;
  // Always the scale's decimals: "469.70 万元" under "1,429.79 万元", not "469.7", so a column aligns.
  const n = new Intl.NumberFormat(locale, {
    minimumFractionDigits: scale.digits,
    maximumFractionDigits: scale.digits,
  }).format(size);
  const rounded = Number(size.toFixed(scale.digits));
  // A sale too small to show in its column's scale is "<¥0.01M" ("<0.01 万元"), not a zero that was
  // not; a refund that small reads 0, not "-0".
  if (fen > 0 && rounded === 0) {
    const least = new Intl.NumberFormat(locale, { minimumFractionDigits: scale.digits }).format(10 ** -scale.digits);
    return zh(locale) ? `<${least}${scale.suffix}` : `<¥${least}${scale.suffix}`;
  }
  const sign = fen < 0 && rounded > 0 ? '-' : '';
  return zh(locale) ? `${sign}${n}${scale.suffix}` : `${sign}¥${n}${scale.suffix}`;
}

/** One large sum on its own (a headline, a target): 万元 in Chinese, ¥ with K or M in English. */
export function formatWan(fen: number, locale: string): string {
  return inScale(fen, scaleFor([fen], locale), locale);
}

/**
 * A formatter for a column or list of sums: every figure in the same scale, picked for the largest
 * (a table reading "¥1.2M" above "¥530K" is hard to compare at a glance).
 */
export function moneyColumn(
  fens: readonly (number | null | undefined)[],
  locale: string,
): (fen: number | null) => string {
  const scale = scaleFor(fens, locale);
  return (fen) => (fen === null ? '—' : inScale(fen, scale, locale));
}

/**
 * A column of single sales (the wall's ticker): whole 元 with thousands separators on every row,
 * "¥11,200" above "¥3,300" ("11,200 元" in Chinese). A compact scale would read a small sale as 0.
 */
export function formatWholeYuan(fen: number, locale: string): string {
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.abs(Math.round(fen / 100)));
  const sign = Math.round(fen / 100) < 0 ? '-' : '';
  return zh(locale) ? `${sign}${n} 元` : `${sign}¥${n}`;
}

const AXIS_UNIT: Record<string, string> = { ' 万元': '万元', ' 元': '元', M: '¥ million', K: '¥ thousand', '': '¥' };

/**
 * A chart's money axis: the scale named once, as the axis's name ("万元", "¥ million"), and bare
 * numbers on the ticks (0 reads "0", not "¥0M"). The scale suits the largest figure drawn.
 */
export function moneyAxis(
  fens: readonly (number | null | undefined)[],
  locale: string,
): { unit: string; label: (fen: number) => string } {
  const scale = scaleFor(fens, locale);
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return { unit: AXIS_UNIT[scale.suffix]!, label: (fen) => format.format(fen / 100 / scale.divisor) };
}
