/**
 * exceljs, read on first use (an XLSX import or export): it is the biggest package a cold start
 * would otherwise load (bench:start).
 */
export const loadExcel = () => import('exceljs').then((m) => m.default);
