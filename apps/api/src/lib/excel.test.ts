import { describe, expect, it } from 'vitest';
import { addSheet, loadExcel, SHEET_NAME_MAX, sheetName } from './excel';

describe('sheetName: what Excel accepts, from any title', () => {
  it('replaces * ? : / \\ [ ] and control characters, cuts at 31 characters, keeps Chinese', () => {
    expect(sheetName('a*b?c:d/e\\f[g]h')).toBe('a_b_c_d_e_f_g_h');
    expect(sheetName('tab\there\u0000')).toBe('tab_here_');
    expect(sheetName('清远市各镇消费帮扶销售额与年度目标完成情况一览表（二〇二五年全年）')).toBe(
      '清远市各镇消费帮扶销售额与年度目标完成情况一览表（二〇二五年全',
    );
    expect([...sheetName('x'.repeat(40))]).toHaveLength(SHEET_NAME_MAX);
  });

  it('never cuts a character in two, drops edge apostrophes, and falls back for empty or reserved names', () => {
    const name = sheetName(`${'a'.repeat(30)}😀tail`);
    expect(name).toBe('a'.repeat(30));
    expect(sheetName("'quoted'")).toBe('quoted');
    expect(sheetName('lone \uD800 surrogate')).toBe('lone _ surrogate');
    expect(sheetName('   ')).toBe('Sheet1');
    expect(sheetName("''")).toBe('Sheet1');
    expect(sheetName('History')).toBe('Sheet1');
  });

  it('every name it makes is one exceljs accepts and writes', async () => {
    const wb = new (await loadExcel()).Workbook();
    const titles = ['a*b', '[x]', '/\\', "'", 'x'.repeat(50), '月报：2025/12', '', 'History'];
    titles.forEach((title, i) => addSheet(wb, `${i}${title}`));
    const buffer = await wb.xlsx.writeBuffer();
    const back = new (await loadExcel()).Workbook();
    await back.xlsx.load(buffer);
    expect(back.worksheets.map((w) => w.name)).toEqual([
      '0a_b',
      '1_x_',
      '2__',
      '3',
      `4${'x'.repeat(30)}`,
      '5月报：2025_12',
      '6',
      '7History',
    ]);
  });
});
