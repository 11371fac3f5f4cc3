import { describe, expect, it } from 'vitest';
import { usePagedList } from './use-paged-list';

/** A list of `n` rows served `size` at a time, newest first, with a cursor as the server hands one out. */
function server(n: number, size: number) {
  const rows = Array.from({ length: n }, (_, i) => n - i);
  const calls: (string | undefined)[] = [];
  return {
    rows,
    calls,
    fetch: async (cursor: string | undefined) => {
      calls.push(cursor);
      const start = cursor ? Number(cursor) : 0;
      const items = rows.slice(start, start + size);
      return { items, nextCursor: start + size < rows.length ? String(start + size) : null };
    },
  };
}

describe('usePagedList', () => {
  it('loads the first page, then each next page by its cursor, and stops on the last', async () => {
    const s = server(5, 2);
    const list = usePagedList(s.fetch);
    await list.reload();
    expect(list.items).toEqual([5, 4]);
    expect(list.hasMore).toBe(true);
    await list.loadMore();
    await list.loadMore();
    expect(list.items).toEqual([5, 4, 3, 2, 1]);
    expect(list.hasMore).toBe(false);
    await list.loadMore();
    expect(s.calls).toEqual([undefined, '2', '4']);
  });

  it('shows no "more" for a list that fits one page', async () => {
    const list = usePagedList(server(2, 2).fetch);
    await list.reload();
    expect(list.items).toEqual([2, 1]);
    expect(list.hasMore).toBe(false);
  });

  it('refresh reads again as many rows as were shown; reload starts over', async () => {
    const s = server(7, 2);
    const list = usePagedList(s.fetch);
    await list.reload();
    await list.loadMore();
    s.rows.splice(1, 1); // a row left the list (a transfer confirmed)
    await list.refresh();
    expect(list.items).toEqual([7, 5, 4, 3]);
    expect(list.hasMore).toBe(true);
    await list.reload();
    expect(list.items).toEqual([7, 5]);
  });

  it('drops a page that answers after a reload (the filter changed meanwhile)', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let filter = 'old';
    const list = usePagedList(async (cursor) => {
      const f = filter;
      if (f === 'old' && cursor) await slow;
      return { items: [`${f}-${cursor ?? 'first'}`], nextCursor: 'c' };
    });
    await list.reload();
    const more = list.loadMore();
    expect(list.loading).toBe(true);
    filter = 'new';
    await list.reload();
    release();
    await more;
    expect(list.items).toEqual(['new-first']);
    expect(list.loading).toBe(false);
  });
});
