import { useI18n } from 'vue-i18n';
import { ShipRequest } from '@shanhai/domain';
import * as ordersApi from '@/api/orders';
import { confirmStep, promptField } from '@/forms/dialogs';
import { useAction } from '@/utils/action';

/**
 * What a cooperative does to an order, from the list or the detail page: ship (carrier and
 * tracking number, each checked as typed), mark delivered and refund (both asked first: neither
 * can be undone). Each says what happened and reloads.
 */
export function useOrderActions(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  const run = useAction(reload);
  const ship = (id: string) =>
    run(async () => {
      const carrier = await promptField({
        title: t('orders.ship'),
        label: t('orders.carrier'),
        schema: ShipRequest.shape.carrier,
        value: t('orders.defaultCarrier'),
        testId: 'carrier',
      });
      const trackingNo = await promptField({
        title: t('orders.ship'),
        label: t('orders.trackingNo'),
        schema: ShipRequest.shape.trackingNo,
        testId: 'tracking',
      });
      return ordersApi.orderAction(id, 'ship', { carrier, trackingNo });
    }, 'shipped');
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
  return { ship, deliver, refund };
}
