import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { moneyColumn } from '@/utils/money';

/** A wall list's sales column: every row's figure in the scale of the largest, in the reader's locale. */
export function useSalesColumn(rows: () => readonly { salesFen: number }[]) {
  const { locale } = useI18n();
  return computed(() =>
    moneyColumn(
      rows().map((r) => r.salesFen),
      locale.value,
    ),
  );
}
