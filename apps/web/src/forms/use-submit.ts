import { ref } from 'vue';
import { ElMessage } from 'element-plus';
import { problemText } from '@/forms/problem-text';

/**
 * A form's send: `busy` while it runs (the button spins), then a failure shown where it belongs:
 * under the fields the api names, else in the reader's language in `error` (the form's alert) or,
 * with `toast`, in a message. `explain` handles a failure the page words itself (a spent link)
 * and says whether it did.
 */
export function useSubmit(fields: { fromProblem(e: unknown): boolean }, options: { toast?: boolean } = {}) {
  const busy = ref(false);
  const error = ref('');
  async function send(fn: () => Promise<unknown>, explain?: (e: unknown) => boolean): Promise<void> {
    busy.value = true;
    try {
      await fn();
    } catch (e) {
      if (explain?.(e) || fields.fromProblem(e)) return;
      if (options.toast) ElMessage.error(problemText(e));
      else error.value = problemText(e);
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, send };
}
