import { describe, expect, it } from 'vitest';
import { formatWan, formatYuan } from './money';

describe('money formatting (web only)', () => {
  it('formats fen as 元 with two decimals', () => {
    expect(formatYuan(123_456, 'zh-CN')).toBe('¥1,234.56');
    expect(formatYuan(5, 'en')).toBe('CN¥0.05');
  });
  it('formats targets in 万元', () => {
    expect(formatWan(1_000_000_000, 'zh-CN')).toBe('1,000 万元');
    expect(formatWan(1_234_500_000, 'zh-CN')).toBe('1,234.5 万元');
  });
  it('formats large sums as compact yuan in English', () => {
    expect(formatWan(1_000_000_000, 'en')).toBe('¥10M');
    expect(formatWan(53_043_000, 'en')).toBe('¥530.43K');
    expect(formatWan(-45_050, 'en')).toBe('-¥450.5');
  });
});
