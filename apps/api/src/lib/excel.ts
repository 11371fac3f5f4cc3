/**
 * exceljs, read on first use (an XLSX import or export): it is the biggest package a cold start
 * would otherwise load (bench:start).
 */
export const loadExcel = () => import('exceljs').then((m) => m.default);

/** Characters Excel refuses in a sheet name. */
const SHEET_FORBIDDEN = /[*?:/\\[\]]/g;
/** Excel's limit on a sheet name's length. */
const SHEET_NAME_MAX = 31;

/**
 * A name Excel accepts for a sheet: no * ? : / \ [ ], at most 31 characters, not starting or
 * ending with an apostrophe, never empty. Cut by code point so a Chinese name is never split.
 */
export function sheetName(name: string, fallback = 'Sheet1'): string {
  const cleaned = [...name.replace(SHEET_FORBIDDEN, '_').replace(/\p{Cc}/gu, '')]
    .slice(0, SHEET_NAME_MAX)
    .join('')
    .replace(/^'+|'+$/g, '')
    .trim();
  return cleaned || fallback;
}
