import { describe, expect, it } from 'vitest';
import { signedPct } from './percent';

describe('signedPct', () => {
  it('writes a change with its sign, one decimal, and a dash for no figure', () => {
    expect([signedPct(12.34), signedPct(-4), signedPct(0), signedPct(null)]).toEqual(['+12.3%', '-4.0%', '+0.0%', '—']);
  });
});
