import { describe, expect, it } from 'vitest';
import { orderNo, qtyWithUnit, quantityText, unitIn, unitPlural, UNIT_NAME_RE } from './sale-unit';

const jar = { unitLabel: '瓶', unitSpec: '500 g/瓶', unitLabelEn: 'jar', unitSpecEn: '500 g/jar' };
const bird = { unitLabel: '只', unitSpec: '约 450 g/只', unitLabelEn: null, unitSpecEn: null };

describe('sale units', () => {
  it('reads a quantity as a count of the unit with its specification beside it', () => {
    expect(quantityText(10, jar, 'zh-CN')).toBe('10 瓶（500 g/瓶）');
    expect(quantityText(10, jar, 'en')).toBe('10 jars (500 g/jar)');
    expect(quantityText(1, jar, 'en')).toBe('1 jar (500 g/jar)');
    expect(quantityText(1200, { unitLabel: '箱' }, 'zh-CN')).toBe('1,200 箱');
    expect(qtyWithUnit(10, jar, 'zh-CN')).toBe('10 瓶');
  });
  it('falls back to the Chinese unit in English, and says so', () => {
    expect(unitIn(bird, 'en')).toEqual({ name: '只', spec: '约 450 g/只', fallback: true });
    expect(unitIn(jar, 'en')).toEqual({ name: 'jar', spec: '500 g/jar', fallback: false });
    expect(unitIn(bird, 'zh-CN').fallback).toBe(false);
  });
  it('counts an English unit in the plural, a Chinese one and a measure as they are', () => {
    expect(qtyWithUnit(40, { unitLabel: '只', unitLabelEn: 'bird' }, 'en')).toBe('40 birds');
    expect(qtyWithUnit(40, bird, 'en')).toBe('40 只');
    expect([unitPlural('box', 5), unitPlural('pouch', 2), unitPlural('battery', 3), unitPlural('tray', 2)]).toEqual([
      'boxes',
      'pouches',
      'batteries',
      'trays',
    ]);
    expect([unitPlural('kg', 5), unitPlural('jin', 3), unitPlural('pcs', 2), unitPlural('Bag', 2)]).toEqual([
      'kg',
      'jin',
      'pcs',
      'Bag',
    ]);
    expect(unitPlural('bag', 1)).toBe('bag');
  });
  it('takes no digits in a unit name', () => {
    expect(UNIT_NAME_RE.test('瓶')).toBe(true);
    expect(UNIT_NAME_RE.test('500 g 瓶')).toBe(false);
    expect(UNIT_NAME_RE.test('５斤装')).toBe(false);
  });
});

describe('order numbers', () => {
  it('are the Shanghai business date and the running number', () => {
    expect(orderNo('2026-12-02T16:30:00Z', 100042)).toBe('20261203-100042');
    expect(orderNo(new Date('2026-12-02T15:59:00Z'), 100043)).toBe('20261202-100043');
  });
});
