import type { FieldError } from './contracts/problem';
import { issueMessage, ruleMessage, type IssueLike, type RuleCode } from './field-messages';

/**
 * What people paste or upload as rows (quick order, the sales import): one line per row, cells
 * separated by a comma, a full-width comma "，", a tab (a spreadsheet paste) or a semicolon (both
 * widths). Every cell is read in its NFKC form, so full-width digits, letters and spaces ("１０",
 * U+3000) read as their plain forms. Pure: the api and the web use the same rules.
 */

/** A tab means a spreadsheet paste: only tabs separate then, so "1,000" or "Honey, raw" stay one cell. */
const SEPARATORS = /[,;，；]/;

/** A cell as typed, in NFKC (full-width digits and spaces become plain), trimmed, inner spaces collapsed. */
export function normalizeCell(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** The key two names match by: NFKC, lower case, no spaces ("Dapingshan  Honey" = "dapingshanhoney"). */
export function nameKey(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/**
 * Cells of one line. Double quotes group a cell as in CSV ("a, b" is one cell; "" is a quote). A
 * line with a tab splits on tabs only; otherwise on any comma or semicolon, either width.
 */
export function splitLine(line: string): string[] {
  const tabbed = line.includes('\t');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      cell = '';
      quoted = true;
    } else if (tabbed ? c === '\t' : SEPARATORS.test(c)) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map(normalizeCell);
}

/**
 * The text of an uploaded CSV: UTF-8 when the bytes are valid UTF-8 (with or without a BOM), else
 * GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows saves "CSV" in. A GBK file
 * is almost never valid UTF-8 (its two-byte characters break UTF-8's continuation rules), so the
 * check is reliable for Chinese text. TextDecoder's gb18030 is in every browser and in Node with
 * full ICU (the default build).
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** A row as read: its line number in the text (1-based, counting blank lines) and its cells. */
export interface TextRow {
  row: number;
  cells: string[];
}

/** The rows of a pasted text or CSV file: a BOM dropped, blank lines skipped but counted. */
export function readRows(text: string): TextRow[] {
  const rows: TextRow[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((line, i) => {
      const cells = splitLine(line);
      if (cells.some((c) => c !== '')) rows.push({ row: i + 1, cells });
    });
  return rows;
}

/**
 * The columns a first row names, or null when it is not a header. A row is a header only when
 * every non-empty cell is one of the known names (case and width aside) and each names a
 * different column: a data row ("蜂蜜, 十") is never taken for one.
 */
export function matchHeader<K extends string>(
  cells: readonly string[],
  aliases: Record<K, readonly string[]>,
): Partial<Record<K, number>> | null {
  const byName = new Map<string, K>();
  for (const k of Object.keys(aliases) as K[]) for (const a of aliases[k]) byName.set(nameKey(a), k);
  const columns: Partial<Record<K, number>> = {};
  let named = 0;
  for (let i = 0; i < cells.length; i++) {
    if (cells[i] === '') continue;
    const k = byName.get(nameKey(cells[i]!));
    if (k === undefined || columns[k] !== undefined) return null;
    columns[k] = i;
    named++;
  }
  return named > 0 ? columns : null;
}

/** A number as typed: "1,000", "１０", "2.5"; its text after the digits ("10瓶" → unit "瓶"). */
export function readNumber(text: string): { value: number; unit: string } | null {
  const m = /^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(\D*)$/.exec(normalizeCell(text));
  if (!m) return null;
  return { value: Number(m[1]!.replace(/,/g, '')), unit: m[2]!.trim() };
}

/** Something a row may name: by its code, its Chinese name or its English name. */
export interface Named {
  code: string;
  nameZh: string;
  nameEn?: string | null;
}

export type Resolved<T> = { kind: 'one'; item: T } | { kind: 'none' } | { kind: 'ambiguous'; options: T[] };

/**
 * What `ref` names: a code (case aside), else an exact Chinese or English name, else a name equal
 * to it case, width and spaces aside. The first step that matches decides; more than one match
 * there is ambiguous (the options say which to pick), never a guess.
 */
export function resolveNamed<T extends Named>(ref: string, items: readonly T[]): Resolved<T> {
  const text = normalizeCell(ref);
  const key = nameKey(ref);
  if (!key) return { kind: 'none' };
  const steps: ((x: T) => boolean)[] = [
    (x) => nameKey(x.code) === key,
    (x) => normalizeCell(x.nameZh) === text || (!!x.nameEn && normalizeCell(x.nameEn) === text),
    (x) => nameKey(x.nameZh) === key || (!!x.nameEn && nameKey(x.nameEn) === key),
  ];
  for (const step of steps) {
    const hits = items.filter(step);
    if (hits.length === 1) return { kind: 'one', item: hits[0]! };
    if (hits.length > 1) return { kind: 'ambiguous', options: hits };
  }
  return { kind: 'none' };
}

/** The zod issue figures a client words a message from (as the api's error handler sends them). */
const ISSUE_PARAMS = ['origin', 'minimum', 'maximum', 'inclusive', 'exact', 'expected', 'format', 'divisor', 'params'];

/** A zod issue of a contract as the field error of a row, worded as the JSON endpoint words it. */
export function issueError(field: string, issue: IssueLike): FieldError {
  const params: Record<string, unknown> = {};
  for (const k of ISSUE_PARAMS) if (issue[k] !== undefined) params[k] = issue[k];
  if ('input' in issue)
    params.received = issue.input === undefined || issue.input === '' ? 'missing' : typeof issue.input;
  const message = issueMessage({ ...params, code: issue.code }, 'en') ?? 'is not valid';
  return { field, message, code: issue.code, params };
}

/** A service rule as the field error of a row. */
export function ruleError(field: string, rule: RuleCode, params: Record<string, unknown> = {}): FieldError {
  return { field, message: ruleMessage(rule, 'en', params), code: rule, params };
}
