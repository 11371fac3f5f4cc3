import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import type { Leaderboard, LeaderboardBy } from '@shanhai/domain';
import * as api from '@/api/leaderboard';
import { connected, subscribe } from '@/api/live';

/**
 * Loads a leaderboard and reloads it whenever the server announces a change over the tab's
 * live connection (only when the board shows today: a past as-of date never changes).
 */
export function useLiveBoard(params: { year: Ref<number>; by: Ref<LeaderboardBy>; asOf: Ref<string | null> }) {
  const board = ref<Leaderboard | null>(null);
  const live = ref(false);
  const version = ref(0);
  const stops: (() => void)[] = [];

  async function load() {
    board.value = await api.leaderboard({
      year: params.year.value,
      by: params.by.value,
      asOf: params.asOf.value ?? undefined,
    });
  }
  // Asked for in setup, not when mounted: the request travels while the page renders (a landing
  // page's headline figures wait for it), and before the requests of the page's child panels.
  void load();
  onMounted(() => {
    // The tab's one live connection, shared with the notification bell.
    stops.push(
      subscribe('open', () => (live.value = true)),
      subscribe('error', () => (live.value = false)),
      subscribe('hello', () => (live.value = true)),
      subscribe('changed', (e) => {
        live.value = true;
        version.value = Number(e.lastEventId) || version.value + 1;
        if (!params.asOf.value) void load();
      }),
    );
    live.value = connected();
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));
  watch([params.year, params.by, params.asOf], () => void load());
  return { board, live, version, reload: load };
}
