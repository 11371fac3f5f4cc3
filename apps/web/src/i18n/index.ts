import { createI18n } from 'vue-i18n';
import { setContractLanguage } from '@/forms/contract-language';
import admin from './messages/admin';
import audit from './messages/audit';
import auth from './messages/auth';
import bank from './messages/bank';
import campaigns from './messages/campaigns';
import catalog from './messages/catalog';
import common from './messages/common';
import coop from './messages/coop';
import empty from './messages/empty';
import feedback from './messages/feedback';
import invoices from './messages/invoices';
import leaderboard from './messages/leaderboard';
import money from './messages/money';
import notifications from './messages/notifications';
import orders from './messages/orders';
import overview from './messages/overview';
import trade from './messages/trade';
import settlements from './messages/settlements';
import units from './messages/units';
import search from './messages/search';

/** One file per feature under messages/, each with both languages side by side. */
const modules = [
  common,
  feedback,
  auth,
  admin,
  catalog,
  orders,
  leaderboard,
  notifications,
  audit,
  invoices,
  bank,
  units,
  campaigns,
  money,
  trade,
  settlements,
  search,
  overview,
  coop,
  empty,
];

const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = 'shanhai.locale';

type Tree = { [key: string]: string | Tree };
function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) {
    into[k] = typeof v === 'object' && typeof into[k] === 'object' ? merge(into[k] as Tree, v) : v;
  }
  return into;
}

const messages = Object.fromEntries(
  LOCALES.map((l) => [l, modules.reduce<Tree>((acc, m) => merge(acc, m[l] as Tree), {})]),
) as Record<Locale, Tree>;

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

export const i18n = createI18n({ legacy: false, locale: initialLocale(), fallbackLocale: 'zh-CN', messages });
document.documentElement.lang = i18n.global.locale.value;
setContractLanguage(i18n.global.locale.value);

/** Switches the language and remembers the choice. */
export function setLocale(locale: Locale) {
  i18n.global.locale.value = locale;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
  setContractLanguage(locale);
}
