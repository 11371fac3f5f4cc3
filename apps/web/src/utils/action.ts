import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { ApiError } from '@/api/http';

/**
 * A page's write action: runs it, says "saved" or shows the API's problem (a dismissed prompt says
 * nothing), then reloads the page's data. Call in setup after `reload` is defined.
 */
export function useAction(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  return async function run(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      ElMessage.success(t('common.saved'));
      await reload();
    } catch (e) {
      if (e !== 'cancel' && e !== 'close') ElMessage.error(e instanceof ApiError ? e.message : t('common.failed'));
    }
  };
}
