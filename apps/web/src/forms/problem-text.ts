import { fieldErrorMessage, labelled, type MessageLang } from '@shanhai/domain';
import { ApiError } from '@/api/http';
import { i18n } from '@/i18n';

/** Fields that are a whole upload or paste rather than a form field, with the label they are named by. */
const WHOLE_INPUT: Record<string, string> = {
  'body.file': 'errors.fileLabel',
  'body.csv': 'errors.csvLabel',
  body: '',
};

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
  if (e.status === 400 && e.problem.errors?.length) {
    // A file or pasted text has no form field to show its error at: say it here, worded from its code.
    const lang = locale.value as MessageLang;
    const worded = e.problem.errors.flatMap((fe) => {
      const label = WHOLE_INPUT[fe.field];
      if (!fe.code || label === undefined) return [];
      const predicate = fieldErrorMessage(fe, lang);
      return [label ? labelled(t(label), predicate, lang) : predicate];
    });
    return worded.length === e.problem.errors.length
      ? worded.join(lang === 'en' ? '; ' : '；')
      : t('errors.checkFields');
  }
  return locale.value === 'en' ? (e.problem.detail ?? e.problem.title) : t('common.failed');
}
