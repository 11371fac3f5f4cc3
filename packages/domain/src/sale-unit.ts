import { businessDate } from './dates';
import type { MessageLang } from './field-messages';

/**
 * A product's sale unit: a name ("瓶", "只", "箱") that quantities count, and what one unit holds
 * ("500 g/瓶", "约 450 g/只"), each optionally in English. A quantity reads "10 瓶", with the
 * specification beside it, never a number run into a weight ("10500 g 瓶").
 */
export interface SaleUnit {
  unitLabel: string;
  unitSpec?: string | null;
  unitLabelEn?: string | null;
  unitSpecEn?: string | null;
}

/** The unit's name and specification in a language; `fallback` when English was asked and is missing. */
export function unitIn(u: SaleUnit, lang: MessageLang): { name: string; spec: string | null; fallback: boolean } {
  if (lang === 'en' && u.unitLabelEn)
    return { name: u.unitLabelEn, spec: u.unitSpecEn || u.unitSpec || null, fallback: !u.unitSpecEn && !!u.unitSpec };
  return { name: u.unitLabel, spec: u.unitSpec ?? null, fallback: lang === 'en' };
}

/** Measures written the same for one and many ("2 kg", "3 jin"), in lower case. */
const INVARIANT_EN = new Set(['g', 'kg', 'mg', 'l', 'ml', 'lb', 'oz', 'jin', 'liang', 'pcs', 'head', 'sheep']);

/**
 * An English unit name counted `qty` times: "1 jar", "10 jars", "5 boxes". Only a plain
 * lower-case word changes (a name already plural or with a capital, a space or a digit is kept).
 */
export function unitPlural(name: string, qty: number): string {
  if (qty === 1 || !/^[a-z]+$/.test(name) || INVARIANT_EN.has(name) || name.endsWith('s')) return name;
  if (/(x|z|ch|sh)$/.test(name)) return `${name}es`;
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}

/** "10 瓶" / "10 jars": a quantity of the unit, without the specification. */
export function qtyWithUnit(qty: number, u: SaleUnit, lang: MessageLang): string {
  const { name } = unitIn(u, lang);
  return `${qty.toLocaleString(lang)} ${lang === 'en' ? unitPlural(name, qty) : name}`;
}

/** "10 瓶（500 g/瓶）" / "10 jars (500 g/jar)": for plain text (emails, CSV, one-line summaries). */
export function quantityText(qty: number, u: SaleUnit, lang: MessageLang): string {
  const { spec } = unitIn(u, lang);
  const q = qtyWithUnit(qty, u, lang);
  if (!spec) return q;
  return lang === 'zh-CN' ? `${q}（${spec}）` : `${q} (${spec})`;
}

/** A unit name carries no digits: "500 g 瓶" belongs in name "瓶" + specification "500 g/瓶". */
export const UNIT_NAME_RE = /^[^0-9０-９]+$/;

/**
 * The order number people read and quote on the phone and on paper: the business date the order
 * was placed and its running number, "20261203-100042" (unique by the running number alone).
 */
export function orderNo(createdAt: Date | string, seq: number): string {
  return `${businessDate(new Date(createdAt)).replaceAll('-', '')}-${seq}`;
}
