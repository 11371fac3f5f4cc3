import type { Workbook, Worksheet } from 'exceljs';
import { ruleBroken } from './problem';

/**
 * exceljs, read on first use (an XLSX import or export): it is the biggest package a cold start
 * would otherwise load (bench:start).
 */
export const loadExcel = () => import('exceljs').then((m) => m.default);

/** Excel's limit on a sheet name's length. */
export const SHEET_NAME_MAX = 31;

/**
 * A name Excel accepts for a sheet, made from any title: the characters it forbids (* ? : / \ [ ])
 * and control characters become "_", a leading or trailing apostrophe goes, the name is cut to 31
 * characters (never inside a surrogate pair), and "History" (reserved) or nothing left becomes
 * `fallback`.
 */
export function sheetName(title: string, fallback = 'Sheet1'): string {
  const chars = [...title.normalize('NFC')]
    .map((c) => (/[*?:/\\[\]\p{Cc}]/u.test(c) || /\p{Cs}/u.test(c) ? '_' : c))
    .join('')
    .replace(/^'+|'+$/g, '')
    .trim();
  let out = '';
  for (const c of chars) {
    if (out.length + c.length > SHEET_NAME_MAX) break;
    out += c;
  }
  out = out.replace(/'+$/, '').trim();
  return out === '' || out.toLowerCase() === 'history' ? fallback : out;
}

/** The one way an export adds a sheet: every XLSX export names its sheets through sheetName. */
export function addSheet(wb: Workbook, title: string): Worksheet {
  return wb.addWorksheet(sheetName(title));
}

/** The first sheet of an uploaded XLSX (none: undefined); a file exceljs cannot read is a 400 naming body.file. */
export async function firstSheet(buffer: Buffer): Promise<Worksheet | undefined> {
  const wb = new (await loadExcel()).Workbook();
  try {
    await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw ruleBroken('body.file', 'csv_or_xlsx');
  }
  return wb.worksheets[0];
}
