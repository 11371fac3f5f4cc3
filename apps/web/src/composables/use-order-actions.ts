import { useI18n } from 'vue-i18n';
import * as ordersApi from '@/api/orders';
import { confirmStep } from '@/forms/dialogs';
import { useAction } from '@/utils/action';

/** The order steps asked first (none can be undone): the dialog's title and button name the step. */
const ASKED = {
  deliver: { label: 'orders.deliver', testId: 'deliver', done: 'delivered', danger: false },
  refund: { label: 'orders.refund', testId: 'refund', done: 'refunded', danger: true },
  accept: { label: 'orders.accept', testId: 'accept', done: 'accepted', danger: false },
  cancel: { label: 'orders.cancelOrder', testId: 'cancel-order', done: 'orderCancelled', danger: true },
} as const;

/**
 * What a party does to an order after a confirm: the cooperative marks it delivered or refunds it
 * (from the list or the detail page), the buyer accepts it or cancels it. Each says what happened
 * and reloads. Shipping has its own dialog (views/coop/ShipDialog.vue), reporting a problem its prompt.
 */
export function useOrderActions(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  const run = useAction(reload);
  const asked = (action: keyof typeof ASKED) => (id: string) => {
    const a = ASKED[action];
    return run(async () => {
      await confirmStep({
        title: t(a.label),
        message: t(`${a.label}Confirm`),
        confirm: t(a.label),
        danger: a.danger,
        testId: a.testId,
      });
      return ordersApi.orderAction(id, action);
    }, a.done);
  };
  return { deliver: asked('deliver'), refund: asked('refund'), accept: asked('accept'), cancel: asked('cancel') };
}
