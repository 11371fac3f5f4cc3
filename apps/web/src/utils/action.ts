import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { problemText } from '@/forms/problem-text';

/**
 * A page's write action: runs it, says what happened ("已发货", "已提交审核": the `done` key under
 * `done.*`, never a bare "saved"), then reloads the page's data so statuses change on screen.
 * A failure says why in the reader's language; a dismissed dialog says nothing.
 * Call in setup after `reload` is defined.
 */
export function useAction(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  return async function run(
    fn: () => Promise<unknown>,
    done: string,
    /** Figures for the message, read once the action is done ("库存已更新为 {stock}"). */
    params: () => Record<string, unknown> = () => ({}),
  ): Promise<boolean> {
    try {
      await fn();
    } catch (e) {
      if (e !== 'cancel' && e !== 'close') ElMessage.error(problemText(e));
      return false;
    }
    ElMessage.success(t(`done.${done}`, params()));
    await reload();
    return true;
  };
}
