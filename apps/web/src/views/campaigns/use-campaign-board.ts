import { onMounted, ref, watch, type Ref } from 'vue';
import type { CampaignBoard } from '@shanhai/domain';
import * as api from '@/api/campaigns';
import { ApiError } from '@/api/http';
import { latestTurn } from '@/composables/latest-turn';
import { useLiveChanges } from '@/composables/use-live-changes';

/**
 * A campaign's board, reloaded whenever the server announces a change over the tab's live
 * connection (a tally batch, a re-attribution): the campaign's figures come from the same fold.
 */
export function useCampaignBoard(id: Ref<string>) {
  const board = ref<CampaignBoard | null>(null);
  const missing = ref(false);
  // A live reload and a move to another campaign can overlap: only the last one asked lands.
  const turn = latestTurn();
  async function load() {
    const current = turn();
    try {
      const b = await api.board(id.value);
      if (!current()) return;
      board.value = b;
      missing.value = false;
    } catch (e) {
      if (!current()) return;
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) missing.value = true;
      else throw e;
    }
  }
  onMounted(() => void load());
  const live = useLiveChanges(() => void load());
  watch(id, () => void load());
  return { board, missing, live, reload: load };
}
