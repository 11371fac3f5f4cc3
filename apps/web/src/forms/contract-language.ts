import { z } from 'zod';
import { contractErrorMap, type MessageLang } from '@shanhai/domain';

/**
 * zod speaks the reader's language in the browser: its zh-CN or en locale for whatever the
 * contracts' own table (field-messages.ts in packages/domain) does not word, that table first.
 * Global, like the page's language; called again when the language changes.
 */
export function setContractLanguage(lang: MessageLang) {
  z.config(lang === 'en' ? z.locales.en() : z.locales.zhCN());
  z.config({ customError: contractErrorMap(lang) as z.core.$ZodErrorMap });
}
