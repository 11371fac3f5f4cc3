import { useI18n } from 'vue-i18n';
import { textParams, type NotificationItem } from '@shanhai/domain';
import { formatYuan } from '@/utils/money';

/** A notification's title and sentence in the page's language, its amounts in 元. */
export function useNotificationText() {
  const { t, locale } = useI18n();
  function text(n: NotificationItem): { title: string; body: string } {
    const lang = locale.value === 'en' ? 'en' : 'zh-CN';
    const values = textParams(n.params, lang, (fen) => formatYuan(fen, locale.value));
    const key = `notifications.kinds.${n.kind.replace(/\./g, '_')}`;
    return { title: t(`${key}.title`, values), body: t(`${key}.body`, values) };
  }
  /** "5 minutes ago", "yesterday", or the date for older ones. */
  function when(iso: string): string {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    const rtf = new Intl.RelativeTimeFormat(locale.value, { numeric: 'auto' });
    const abs = Math.abs(seconds);
    if (abs < 60) return rtf.format(0, 'second');
    if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
    if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
    if (abs < 7 * 86_400) return rtf.format(Math.round(seconds / 86_400), 'day');
    return new Date(iso).toLocaleDateString(locale.value);
  }
  return { text, when };
}
