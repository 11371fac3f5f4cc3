import { describe, expect, it } from 'vitest';
import { decodeText, matchHeader, readNumber, readRows, resolveNamed, splitLine } from './line-import';

describe('line import', () => {
  it('splits on comma, full-width comma, semicolon; a tab line on tabs only; quotes group a cell', () => {
    expect(splitLine('蜂蜜，１０')).toEqual(['蜂蜜', '10']);
    expect(splitLine('a;b；c,d')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitLine('Honey, raw\t1,000')).toEqual(['Honey, raw', '1,000']);
    expect(splitLine('"Honey, raw",2')).toEqual(['Honey, raw', '2']);
    expect(splitLine('\u3000大坪山\u3000花蜂蜜\u3000,\u3000５\u3000')).toEqual(['大坪山 花蜂蜜', '5']);
  });

  it('numbers rows by their line, skipping blank lines and a BOM', () => {
    expect(readRows('\uFEFFa,1\r\n\r\n b , 2 \n')).toEqual([
      { row: 1, cells: ['a', '1'] },
      { row: 3, cells: ['b', '2'] },
    ]);
  });

  it('decodes UTF-8 (BOM or not) as UTF-8 and anything else as GB18030 (Excel on Chinese Windows)', () => {
    const utf8 = new TextEncoder().encode('大坪山花蜂蜜,10');
    expect(decodeText(utf8)).toBe('大坪山花蜂蜜,10');
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]))).toBe('大坪山花蜂蜜,10');
    // 大坪 in GBK: B4F3 C6BA; 猕猴桃: E2A8 BAEF CCD2.
    expect(decodeText(new Uint8Array([0xb4, 0xf3, 0xc6, 0xba, 0x2c, 0x31]))).toBe('大坪,1');
    expect(decodeText(new Uint8Array([0xe2, 0xa8, 0xba, 0xef, 0xcc, 0xd2]))).toBe('猕猴桃');
    expect(decodeText(new Uint8Array([0x61, 0x2c, 0x32]))).toBe('a,2');
  });

  it('a header only when every cell is a known name, each once', () => {
    const cols = { product: ['产品', 'product'], qty: ['数量', 'qty'] };
    expect(matchHeader(['PRODUCT', '数量'], cols)).toEqual({ product: 0, qty: 1 });
    expect(matchHeader(['蜂蜜', '十'], cols)).toBeNull();
    expect(matchHeader(['产品', '10'], cols)).toBeNull();
    expect(matchHeader(['产品', 'product'], cols)).toBeNull();
    expect(matchHeader(['', ''], cols)).toBeNull();
  });

  it('reads numbers as typed, with a unit after them', () => {
    expect(readNumber('１０瓶')).toEqual({ value: 10, unit: '瓶' });
    expect(readNumber('1,000')).toEqual({ value: 1000, unit: '' });
    expect(readNumber('2.5')).toEqual({ value: 2.5, unit: '' });
    expect(readNumber('十')).toBeNull();
    expect(readNumber('1,00')).toBeNull();
  });

  it('resolves a code, then an exact name, then a name case/width/spaces aside; ambiguous lists options', () => {
    const items = [
      { code: 'SH1001', nameZh: '大坪山花蜂蜜', nameEn: 'Dapingshan Honey' },
      { code: 'SH1002', nameZh: '土蜂蜜', nameEn: 'Wild Honey' },
      { code: 'SH1003', nameZh: '土蜂蜜', nameEn: null },
    ];
    expect(resolveNamed('sh1001', items)).toEqual({ kind: 'one', item: items[0] });
    expect(resolveNamed('大坪山花蜂蜜', items)).toEqual({ kind: 'one', item: items[0] });
    expect(resolveNamed('DAPINGSHAN  HONEY', items)).toEqual({ kind: 'one', item: items[0] });
    expect(resolveNamed('ｗｉｌｄ honey', items)).toEqual({ kind: 'one', item: items[1] });
    expect(resolveNamed('土蜂蜜', items)).toEqual({ kind: 'ambiguous', options: [items[1], items[2]] });
    expect(resolveNamed('蜂蜜', items)).toEqual({ kind: 'none' });
    expect(resolveNamed('  ', items)).toEqual({ kind: 'none' });
  });
});
