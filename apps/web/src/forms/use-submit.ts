import { ref } from 'vue';
import { problemText } from '@/forms/problem-text';

/**
 * A form's send: `busy` while it runs (the button spins), then a failure shown where it belongs:
 * under the fields the api names, else in `error` (the form's alert) in the reader's language.
 * `explain` handles a failure the page words itself (a spent link) and says whether it did.
 */
export function useSubmit(fields: { fromProblem(e: unknown): boolean }) {
  const busy = ref(false);
  const error = ref('');
  async function send(fn: () => Promise<unknown>, explain?: (e: unknown) => boolean): Promise<void> {
    busy.value = true;
    try {
      await fn();
    } catch (e) {
      if (!explain?.(e) && !fields.fromProblem(e)) error.value = problemText(e);
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, send };
}
