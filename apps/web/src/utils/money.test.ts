import { describe, expect, it } from 'vitest';
import { formatWan, formatWholeYuan, formatYuan, moneyAxis, moneyColumn } from './money';

describe('money formatting (web only)', () => {
  it('formats fen as 元 with two decimals and "¥" in both languages', () => {
    expect(formatYuan(123_456, 'zh-CN')).toBe('¥1,234.56');
    expect(formatYuan(5, 'en')).toBe('¥0.05');
  });
  it('formats large sums in 万元 in Chinese', () => {
    expect(formatWan(1_000_000_000, 'zh-CN')).toBe('1,000.00 万元');
    expect(formatWan(1_234_500_000, 'zh-CN')).toBe('1,234.50 万元');
    expect(formatWan(4_505_000, 'zh-CN')).toBe('4.51 万元');
    expect(formatWan(45_050, 'zh-CN')).toBe('450.50 元');
  });
  it('formats large sums with K or M in English', () => {
    expect(formatWan(1_000_000_000, 'en')).toBe('¥10.00M');
    expect(formatWan(53_043_000, 'en')).toBe('¥530.4K');
    expect(formatWan(-45_050, 'en')).toBe('-¥451');
  });
  it('writes a column in one scale, picked for its largest figure', () => {
    const en = moneyColumn([1_000_000_000, 53_043_000, null], 'en');
    expect([en(1_000_000_000), en(53_043_000), en(-45_050), en(null)]).toEqual(['¥10.00M', '¥0.53M', '¥0.00M', '—']);
    const zh = moneyColumn([1_000_000_000, 53_043_000], 'zh-CN');
    expect([zh(1_000_000_000), zh(53_043_000)]).toEqual(['1,000.00 万元', '53.04 万元']);
    const small = moneyColumn([45_050, 1_000], 'zh-CN');
    expect([small(45_050), small(1_000)]).toEqual(['450.50 元', '10.00 元']);
  });
  it('writes every figure of a column with the same decimals (469.70 beside 1,429.79, never 469.7)', () => {
    const zh = moneyColumn([1_429_790_000, 469_700_000], 'zh-CN');
    expect([zh(1_429_790_000), zh(469_700_000)]).toEqual(['1,429.79 万元', '469.70 万元']);
    const en = moneyColumn([1_613_000_000, 470_000_000, 0], 'en');
    expect([en(1_613_000_000), en(470_000_000), en(0)]).toEqual(['¥16.13M', '¥4.70M', '¥0.00M']);
    // A real sale too small for the column's scale is not written as nothing (¥1,800 beside ¥3.31M).
    expect([en(180_000), en(499_999)]).toEqual(['<¥0.01M', '<¥0.01M']);
    expect(moneyColumn([331_220_000, 1_000], 'zh-CN')(1_000)).toBe('<0.01 万元');
  });
  it('writes single sales in whole 元 with separators, so ¥11,200 and ¥720 share a column', () => {
    expect([1_120_000, 330_000, 72_049, 500_000_000].map((f) => formatWholeYuan(f, 'en'))).toEqual([
      '¥11,200',
      '¥3,300',
      '¥720',
      '¥5,000,000',
    ]);
    expect([1_120_000, 72_000].map((f) => formatWholeYuan(f, 'zh-CN'))).toEqual(['11,200 元', '720 元']);
    expect(formatWholeYuan(-40, 'en')).toBe('¥0');
  });
  it('names a money axis’s scale once and labels its ticks with bare numbers (0, not ¥0M)', () => {
    const en = moneyAxis([250_000_000, 0], 'en');
    expect(en.unit).toBe('¥ million');
    expect([0, 50_000_000, 250_000_000].map(en.label)).toEqual(['0', '0.5', '2.5']);
    const zh = moneyAxis([250_000_000], 'zh-CN');
    expect(zh.unit).toBe('万元');
    expect([0, 50_000_000].map(zh.label)).toEqual(['0', '50']);
    expect(moneyAxis([500_000], 'en').unit).toBe('¥');
    expect(moneyAxis([500_000], 'zh-CN').unit).toBe('元');
  });
});
