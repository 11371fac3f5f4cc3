import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';
import { connected, subscribe } from '@/api/live';

/**
 * A board's view of the tab's one live connection (shared with the notification bell): `live`
 * while it is open, and `onChanged` for every change the server announces. Listens from mount to
 * unmount.
 */
export function useLiveChanges(onChanged: (e: MessageEvent) => void): Ref<boolean> {
  const live = ref(false);
  const stops: (() => void)[] = [];
  onMounted(() => {
    stops.push(
      subscribe('open', () => (live.value = true)),
      subscribe('error', () => (live.value = false)),
      subscribe('hello', () => (live.value = true)),
      subscribe('changed', (e) => {
        live.value = true;
        onChanged(e);
      }),
    );
    live.value = connected();
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));
  return live;
}
