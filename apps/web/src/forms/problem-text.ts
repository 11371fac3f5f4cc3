import { ApiError } from '@/api/http';
import { i18n } from '@/i18n';

/**
 * What to tell the reader when an action failed, in their language: the problem's `code` looked up
 * under `problems.*`, else a plain "操作失败" in Chinese (the api's detail is English) or the api's
 * detail in English. A network failure and anything unexpected say so plainly.
 */
export function problemText(e: unknown): string {
  const { t, te, locale } = i18n.global;
  if (!(e instanceof ApiError)) return t('errors.network');
  const key = `problems.${e.problem.code}`;
  if (te(key)) return t(key);
  if (e.status === 403) return t('errors.forbidden');
  if (e.status === 404) return t('errors.notFound');
  if (e.status === 400 && e.problem.errors?.length) return t('errors.checkFields');
  return locale.value === 'en' ? (e.problem.detail ?? e.problem.title) : t('common.failed');
}
