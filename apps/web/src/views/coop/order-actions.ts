import { useI18n } from 'vue-i18n';
import * as ordersApi from '@/api/orders';
import { confirmStep } from '@/forms/dialogs';
import { useAction } from '@/utils/action';

/**
 * What a cooperative does to an order, from the list or the detail page: mark delivered and
 * refund (both asked first: neither can be undone). Each says what happened and reloads.
 * Shipping has its own dialog (ShipDialog.vue).
 */
export function useOrderActions(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  const run = useAction(reload);
  const deliver = (id: string) =>
    run(async () => {
      await confirmStep({
        title: t('orders.deliver'),
        message: t('orders.deliverConfirm'),
        confirm: t('orders.deliver'),
        testId: 'deliver',
      });
      return ordersApi.orderAction(id, 'deliver');
    }, 'delivered');
  const refund = (id: string) =>
    run(async () => {
      await confirmStep({
        title: t('orders.refund'),
        message: t('orders.refundConfirm'),
        confirm: t('orders.refund'),
        danger: true,
        testId: 'refund',
      });
      return ordersApi.orderAction(id, 'refund');
    }, 'refunded');
  return { deliver, refund };
}
