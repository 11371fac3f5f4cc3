import { useI18n } from 'vue-i18n';
import { ReasonRequest, type Declaration } from '@shanhai/domain';
import * as api from '@/api/units';
import { confirmStep, promptField } from '@/forms/dialogs';
import type { useAction } from '@/utils/action';
import { formatYuan } from '@/utils/money';

/** The office's approve (after a confirmation naming the amounts) and return (with a reason) of a declaration. */
export function useDeclarationDecisions(run: ReturnType<typeof useAction>) {
  const { t, locale } = useI18n();
  const approve = (d: Declaration) =>
    run(
      async () => {
        await confirmStep({
          title: t('units.approve'),
          message: t('units.approveConfirm', {
            unit: d.buyerOrgName,
            total: formatYuan(d.totalFen, locale.value),
            ratio: d.ratioBp / 100,
            reserved: formatYuan(d.reservedFen, locale.value),
          }),
          confirm: t('units.approve'),
          testId: 'declaration-approve',
        });
        return api.approveDeclaration(d.id);
      },
      'declarationApproved',
      () => ({ unit: d.buyerOrgName }),
    );
  const sendBack = (d: Declaration) =>
    run(
      async () => {
        const reason = await promptField({
          title: t('units.return'),
          label: t('units.returnReason'),
          schema: ReasonRequest.shape.reason,
          testId: 'declaration-reason',
        });
        return api.returnDeclaration(d.id, reason);
      },
      'declarationReturned',
      () => ({ unit: d.buyerOrgName }),
    );
  return { approve, sendBack };
}
