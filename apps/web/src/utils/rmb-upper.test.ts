import { describe, expect, it } from 'vitest';
import { rmbUpper } from './rmb-upper';

describe('rmbUpper', () => {
  it('writes amounts as on a Chinese invoice or delivery note', () => {
    expect(rmbUpper(123456)).toBe('壹仟贰佰叁拾肆元伍角陆分');
    expect(rmbUpper(100000)).toBe('壹仟元整');
    expect(rmbUpper(100500)).toBe('壹仟零伍元整');
    expect(rmbUpper(1000000)).toBe('壹万元整');
    expect(rmbUpper(10010000)).toBe('壹拾万零壹佰元整');
    expect(rmbUpper(1000000000000)).toBe('壹佰亿元整');
    expect(rmbUpper(10000000005)).toBe('壹亿元零伍分');
    expect(rmbUpper(205)).toBe('贰元零伍分');
    expect(rmbUpper(50)).toBe('伍角');
    expect(rmbUpper(0)).toBe('零元整');
  });
});
