import { ref, shallowRef } from 'vue';
import type { Page } from '@/api/http';
import { latestTurn } from './latest-turn';

/** What a view holds of a paged list; LoadMore.vue takes it as its `list`. */
export interface PagedList<T> {
  /** The rows loaded so far, newest first: the first page, then each page loaded after it. */
  readonly items: T[];
  /** Whether the server said there is a page after the last one loaded. */
  readonly hasMore: boolean;
  readonly loading: boolean;
  /** Starts over at the first page (a filter changed). */
  reload(): Promise<void>;
  /** Reads again as many rows as are shown (after an action changed some of them). */
  refresh(): Promise<void>;
  /** Appends the next page; nothing when there is none or a load is under way. */
  loadMore(): Promise<void>;
}

/**
 * A list route read a page at a time (issue 13: every list is paged, so a view that reads only the
 * first answer silently shows only the newest page). `fetchPage` reads one page from a cursor
 * (undefined: the first page), with the view's filters; the next cursor comes back with it.
 *
 * A load started before a reload (the filter changed meanwhile) is dropped when it answers, so an
 * old filter's rows never land in the new list.
 */
export function usePagedList<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const items = shallowRef<T[]>([]);
  const next = ref<string | null>(null);
  const loading = ref(false);
  /** Every reload (and refresh) takes a turn; a load of the next page belongs to the one it followed. */
  const turn = latestTurn();
  let current = turn();

  async function guarded(mine: () => boolean, work: () => Promise<void>) {
    loading.value = true;
    try {
      await work();
    } finally {
      if (mine()) loading.value = false;
    }
  }

  const reload = () => {
    const mine = (current = turn());
    return guarded(mine, async () => {
      const page = await fetchPage(undefined);
      if (!mine()) return;
      items.value = page.items;
      next.value = page.nextCursor;
    });
  };

  const refresh = () => {
    const shown = items.value.length;
    const mine = (current = turn());
    return guarded(mine, async () => {
      let page = await fetchPage(undefined);
      const rows = [...page.items];
      while (page.nextCursor && rows.length < shown) {
        page = await fetchPage(page.nextCursor);
        if (!mine()) return;
        rows.push(...page.items);
      }
      if (!mine()) return;
      items.value = rows;
      next.value = page.nextCursor;
    });
  };

  const loadMore = async () => {
    const cursor = next.value;
    if (!cursor || loading.value) return;
    const mine = current;
    await guarded(mine, async () => {
      const page = await fetchPage(cursor);
      if (!mine()) return;
      items.value = [...items.value, ...page.items];
      next.value = page.nextCursor;
    });
  };

  return {
    get items() {
      return items.value;
    },
    get hasMore() {
      return next.value !== null;
    },
    get loading() {
      return loading.value;
    },
    reload,
    refresh,
    loadMore,
  };
}
