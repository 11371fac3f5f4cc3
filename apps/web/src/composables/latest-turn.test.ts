import { describe, expect, it } from 'vitest';
import { latestTurn } from './latest-turn';

/** An answer the test hands over when it chooses. */
function later<T>() {
  let give!: (v: T) => void;
  const answer = new Promise<T>((r) => (give = r));
  return { answer, give };
}

describe('latestTurn', () => {
  it("keeps the latest load's answer when an earlier one comes back after it", async () => {
    const turn = latestTurn();
    const shown: string[] = [];
    const load = async (answer: Promise<string>) => {
      const current = turn();
      const v = await answer;
      if (current()) shown.push(v);
    };
    const first = later<string>();
    const second = later<string>();
    const a = load(first.answer);
    const b = load(second.answer);
    second.give('2025');
    await b;
    first.give('2026');
    await a;
    expect(shown).toEqual(['2025']);
  });

  it('keeps every answer of loads made one after another', async () => {
    const turn = latestTurn();
    const shown: number[] = [];
    for (const v of [1, 2, 3]) {
      const current = turn();
      await Promise.resolve();
      if (current()) shown.push(v);
    }
    expect(shown).toEqual([1, 2, 3]);
  });

  it('gives each owner its own turns', () => {
    const a = latestTurn();
    const b = latestTurn();
    const currentA = a();
    b();
    expect(currentA()).toBe(true);
  });
});
