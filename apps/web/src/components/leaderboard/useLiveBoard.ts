import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import type { Leaderboard, LeaderboardBy } from '@shanhai/domain';
import * as api from '@/api/leaderboard';

/**
 * Loads a leaderboard and reloads it whenever the server announces a change over SSE (only
 * when the board shows today: a past as-of date never changes).
 */
export function useLiveBoard(params: { year: Ref<number>; by: Ref<LeaderboardBy>; asOf: Ref<string | null> }) {
  const board = ref<Leaderboard | null>(null);
  const live = ref(false);
  const version = ref(0);
  let source: EventSource | null = null;

  async function load() {
    board.value = await api.leaderboard({
      year: params.year.value,
      by: params.by.value,
      asOf: params.asOf.value ?? undefined,
    });
  }
  onMounted(() => {
    void load();
    source = new EventSource(api.STREAM_URL);
    source.addEventListener('open', () => (live.value = true));
    source.addEventListener('error', () => (live.value = false));
    source.addEventListener('changed', (e) => {
      version.value = Number((e as MessageEvent).lastEventId) || version.value + 1;
      if (!params.asOf.value) void load();
    });
  });
  onBeforeUnmount(() => source?.close());
  watch([params.year, params.by, params.asOf], () => void load());
  return { board, live, version, reload: load };
}
