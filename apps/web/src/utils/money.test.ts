import { describe, expect, it } from 'vitest';
import { formatWan, formatYuan, moneyColumn } from './money';

describe('money formatting (web only)', () => {
  it('formats fen as 元 with two decimals and "¥" in both languages', () => {
    expect(formatYuan(123_456, 'zh-CN')).toBe('¥1,234.56');
    expect(formatYuan(5, 'en')).toBe('¥0.05');
  });
  it('formats large sums in 万元 in Chinese', () => {
    expect(formatWan(1_000_000_000, 'zh-CN')).toBe('1,000 万元');
    expect(formatWan(1_234_500_000, 'zh-CN')).toBe('1,234.5 万元');
    expect(formatWan(4_505_000, 'zh-CN')).toBe('4.51 万元');
    expect(formatWan(45_050, 'zh-CN')).toBe('450.5 元');
  });
  it('formats large sums with K or M in English', () => {
    expect(formatWan(1_000_000_000, 'en')).toBe('¥10M');
    expect(formatWan(53_043_000, 'en')).toBe('¥530.4K');
    expect(formatWan(-45_050, 'en')).toBe('-¥451');
  });
  it('writes a column in one scale, picked for its largest figure', () => {
    const en = moneyColumn([1_000_000_000, 53_043_000, null], 'en');
    expect([en(1_000_000_000), en(53_043_000), en(-45_050), en(null)]).toEqual(['¥10M', '¥0.53M', '¥0M', '—']);
    const zh = moneyColumn([1_000_000_000, 53_043_000], 'zh-CN');
    expect([zh(1_000_000_000), zh(53_043_000)]).toEqual(['1,000 万元', '53.04 万元']);
    const small = moneyColumn([45_050, 1_000], 'zh-CN');
    expect([small(45_050), small(1_000)]).toEqual(['450.5 元', '10 元']);
  });
});
