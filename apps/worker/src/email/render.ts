import escapeHtml from 'escape-html';
import type { AccountEmail, NotificationEmail } from '@shanhai/db';
import { fillText, isNotificationKind, NOTIFICATION_TEXTS, textParams } from '@shanhai/domain';

type Locale = 'zh-CN' | 'en';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The words around a notification and the account emails, in both languages. */
const CHROME = {
  'zh-CN': {
    brand: '山海集市',
    greeting: '{name}，您好：',
    open: '查看详情',
    footer: '这封邮件由山海集市自动发送。您可以在右上角用户菜单的「通知设置」中选择哪些通知发送邮件。',
    accountFooter: '这封邮件由山海集市自动发送，关系到您的账户登录，不受通知设置影响。',
    resetSubject: '重设您的山海集市密码',
    resetBody:
      '有人（希望是您本人）请求重设您的山海集市账户密码。请在 {minutes} 分钟内点击下方链接设置新密码；链接只能使用一次。',
    resetIgnore: '如果这不是您的请求，请忽略此邮件，您的密码不会改变。',
    resetAction: '设置新密码',
    inviteSubject: '{org} 邀请您加入山海集市',
    inviteBody: '{org} 为您开通了山海集市账户。请在 {days} 天内点击下方链接设置密码并登录；链接只能使用一次。',
    inviteAction: '设置密码',
  },
  en: {
    brand: 'Shanhai Market',
    greeting: 'Hello {name},',
    open: 'Open it',
    footer:
      'Shanhai Market sent this email. Choose which notifications reach you by email under Account › Notifications.',
    accountFooter:
      'Shanhai Market sent this email about signing in to your account; notification choices do not apply to it.',
    resetSubject: 'Reset your Shanhai Market password',
    resetBody:
      'Someone (we hope you) asked to reset the password of your Shanhai Market account. Follow the link below within {minutes} minutes to choose a new one; it works once.',
    resetIgnore: 'If this was not you, ignore this email: your password stays as it is.',
    resetAction: 'Choose a new password',
    inviteSubject: '{org} invites you to Shanhai Market',
    inviteBody:
      '{org} opened a Shanhai Market account for you. Follow the link below within {days} days to set your password and log in; it works once.',
    inviteAction: 'Set your password',
  },
} as const satisfies Record<Locale, Record<string, string>>;

const money: Record<Locale, Intl.NumberFormat> = {
  'zh-CN': new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }),
  en: new Intl.NumberFormat('en', { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' }),
};

type Footer = 'footer' | 'accountFooter';

function layout(
  locale: Locale,
  paragraphs: string[],
  action: { label: string; url: string },
  footer: Footer,
): RenderedEmail['html'] {
  const c = CHROME[locale];
  const ps = paragraphs.map((p) => `<p style="margin:0 0 14px">${escapeHtml(p)}</p>`).join('');
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="margin:0;background:#f4f6f5;font-family:-apple-system,'PingFang SC','Microsoft YaHei',Arial,sans-serif;color:#1f2d27">
<div style="max-width:560px;margin:0 auto;padding:24px">
<div style="font-weight:700;font-size:18px;color:#2f6b4f;margin-bottom:16px">${escapeHtml(c.brand)}</div>
<div style="background:#fff;border-radius:8px;padding:24px;line-height:1.6;font-size:15px">${ps}
<p style="margin:20px 0 0"><a href="${escapeHtml(action.url)}" style="display:inline-block;background:#2f6b4f;color:#fff;text-decoration:none;padding:10px 18px;border-radius:6px">${escapeHtml(action.label)}</a></p>
</div>
<p style="font-size:12px;color:#6b7a73;margin-top:16px">${escapeHtml(c[footer])}</p>
</div></body></html>`;
}

function plain(locale: Locale, paragraphs: string[], action: { label: string; url: string }, footer: Footer): string {
  return [...paragraphs, `${action.label}: ${action.url}`, '', '--', CHROME[locale][footer]].join('\n\n');
}

/** A notification as an email in the recipient's language: its text and a link, nothing more. */
export function renderNotificationEmail(n: NotificationEmail, appUrl: string): RenderedEmail {
  const locale = n.locale;
  const c = CHROME[locale];
  if (!isNotificationKind(n.kind)) throw new Error(`unknown notification kind ${n.kind}`);
  const t = NOTIFICATION_TEXTS[locale][n.kind];
  const values = textParams(n.params, locale, (fen) => money[locale].format(fen / 100));
  const title = fillText(t.title, values);
  const body = fillText(t.body, values);
  const paragraphs = [fillText(c.greeting, { name: n.name }), body];
  const action = { label: c.open, url: `${appUrl}${n.link}` };
  return {
    subject: `${title} · ${c.brand}`,
    text: plain(locale, paragraphs, action, 'footer'),
    html: layout(locale, paragraphs, action, 'footer'),
  };
}

/** The page that takes a link's token: in the fragment, so it never reaches a server log. */
function accountLink(appUrl: string, purpose: AccountEmail['purpose'], token: string): string {
  return `${appUrl}/${purpose === 'invitation' ? 'welcome' : 'reset-password'}#token=${token}`;
}

export function renderAccountEmail(a: AccountEmail, token: string, appUrl: string, now = Date.now()): RenderedEmail {
  const locale = a.locale;
  const c = CHROME[locale];
  const url = accountLink(appUrl, a.purpose, token);
  const greeting = fillText(c.greeting, { name: a.name });
  if (a.purpose === 'password_reset') {
    const minutes = String(Math.max(1, Math.round((a.expiresAt.getTime() - now) / 60_000)));
    const paragraphs = [greeting, fillText(c.resetBody, { minutes }), c.resetIgnore];
    const action = { label: c.resetAction, url };
    return {
      subject: c.resetSubject,
      text: plain(locale, paragraphs, action, 'accountFooter'),
      html: layout(locale, paragraphs, action, 'accountFooter'),
    };
  }
  const days = String(Math.max(1, Math.round((a.expiresAt.getTime() - now) / 86_400_000)));
  const paragraphs = [greeting, fillText(c.inviteBody, { org: a.orgName, days })];
  const action = { label: c.inviteAction, url };
  return {
    subject: fillText(c.inviteSubject, { org: a.orgName }),
    text: plain(locale, paragraphs, action, 'accountFooter'),
    html: layout(locale, paragraphs, action, 'accountFooter'),
  };
}
