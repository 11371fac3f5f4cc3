import { ref, watch, type Ref } from 'vue';
import type { Leaderboard, LeaderboardBy } from '@shanhai/domain';
import * as api from '@/api/leaderboard';
import { latestTurn } from '@/composables/latest-turn';
import { useLiveChanges } from '@/composables/use-live-changes';

/**
 * Loads a leaderboard and reloads it whenever the server announces a change over the tab's
 * live connection (only when the board shows today: a past as-of date never changes).
 */
export function useLiveBoard(params: { year: Ref<number>; by: Ref<LeaderboardBy>; asOf: Ref<string | null> }) {
  const board = ref<Leaderboard | null>(null);
  const version = ref(0);

  // A live reload and a change of year can overlap: only the last one asked lands.
  const turn = latestTurn();
  async function load() {
    const current = turn();
    const b = await api.leaderboard({
      year: params.year.value,
      by: params.by.value,
      asOf: params.asOf.value ?? undefined,
    });
    if (current()) board.value = b;
  }
  // Asked for in setup, not when mounted: the request travels while the page renders (a landing
  // page's headline figures wait for it), and before the requests of the page's child panels.
  void load();
  const live = useLiveChanges((e) => {
    version.value = Number(e.lastEventId) || version.value + 1;
    if (!params.asOf.value) void load();
  });
  watch([params.year, params.by, params.asOf], () => void load());
  return { board, live, version, reload: load };
}
