import { computed, onMounted, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute } from 'vue-router';

/** Loads a printed document's object by the route's id; a failed load shows the not-found line. */
export function usePaper<T>(load: (id: string) => Promise<T>) {
  const { locale } = useI18n();
  const route = useRoute();
  const id = computed(() => String(route.params.id));
  const data = ref(null) as Ref<T | null>;
  const missing = ref(false);
  onMounted(async () => {
    try {
      data.value = await load(id.value);
    } catch {
      missing.value = true;
    }
  });
  const date = (iso: string) => new Date(iso).toLocaleDateString(locale.value, { timeZone: 'Asia/Shanghai' });
  return { id, data, missing, date };
}
