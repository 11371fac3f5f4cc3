import type { FieldError } from './contracts/problem';
import { unitPlural } from './sale-unit';
import { isNulIssue } from './storage';

/**
 * What is wrong with a field, in both languages, as a predicate that follows the field's label:
 * "Password must be at least 10 characters" / "密码至少需要 10 个字符". The same words come from a
 * zod issue raised in the browser (the web installs `contractErrorMap` as zod's error map) and
 * from the api's problem JSON (each field error carries the issue's `code` and `params`), so a
 * form shows one message whichever side found the problem. The api writes its English `message`
 * with the same function.
 */
export type MessageLang = 'zh-CN' | 'en';

type Text = Record<MessageLang, string>;

/** A zod issue as raised (with `input`) or as sent in problem JSON (with `received`). */
export interface IssueLike {
  code: string;
  input?: unknown;
  /** What the api saw at the field: `missing`, or a JSON type (`string`, `number`, …). */
  received?: string;
  [key: string]: unknown;
}

/** The meaning of each string format a contract uses (`z.email()`, `z.stringFormat('phone', …)`). */
const FORMATS: Record<string, Text> = {
  email: { en: 'must be an email address', 'zh-CN': '应为有效的电子邮箱地址' },
  credit_code: {
    en: 'must be 18 characters: digits and capital letters',
    'zh-CN': '应为 18 位，由数字和大写字母组成',
  },
  phone: { en: 'must be a phone number', 'zh-CN': '应为有效的电话号码' },
  tax_id: {
    en: 'must be a taxpayer number: 15, 18 or 20 digits and capital letters',
    'zh-CN': '应为纳税人识别号（15、18 或 20 位数字和大写字母）',
  },
  bank_account: {
    en: 'must be 8–40 digits (spaces or dashes may group them)',
    'zh-CN': '应为 8–40 位数字（可用空格或短横线分隔）',
  },
  account_token: { en: 'is not a valid link', 'zh-CN': '无效或已过期' },
  photo_url: { en: 'must be a photo uploaded here', 'zh-CN': '应为本站上传的照片' },
  iso_date: { en: 'must be a date written YYYY-MM-DD', 'zh-CN': '应为日期（YYYY-MM-DD）' },
  uuid: { en: 'must be chosen from the list', 'zh-CN': '需从列表中选择' },
  datetime: { en: 'must be a date and time', 'zh-CN': '应为日期和时间' },
  url: { en: 'must be a web address', 'zh-CN': '应为网址' },
};

/** Rules that are not a zod check: refinements (`params.rule`) and the services' own checks. */
export const RULES = {
  required: { en: 'is required', 'zh-CN': '不能为空' },
  already_registered: { en: 'is already registered', 'zh-CN': '已被注册' },
  wrong_password: { en: 'is not correct', 'zh-CN': '不正确' },
  link_spent: {
    en: 'has expired or was already used: ask for a new link',
    'zh-CN': '已过期或已使用，请重新获取链接',
  },
  not_zero: { en: 'must not be zero', 'zh-CN': '不能为 0' },
  calendar_date: { en: 'is not a calendar date', 'zh-CN': '不是有效的日期' },
  safe_integer: { en: 'is too large', 'zh-CN': '数值过大' },
  no_nul: { en: 'must not contain control characters', 'zh-CN': '不能包含控制字符' },
  amount_too_large: {
    en: 'makes an amount too large to record',
    'zh-CN': '金额过大，无法记录',
  },
  stock_too_large: { en: 'would take stock above {max}', 'zh-CN': '会使库存超过 {max}' },
  stock_with_open_orders: {
    en: 'would take stock above {max} once the {out} units in open orders come back',
    'zh-CN': '未完成订单中的 {out} 件退回后，库存会超过 {max}',
  },
  not_a_town: { en: 'is not a town of the programme', 'zh-CN': '不是帮扶镇' },
  not_a_buyer: { en: 'is not a buyer organisation', 'zh-CN': '不是采购单位' },
  not_a_cooperative: { en: 'is not a cooperative', 'zh-CN': '不是合作社' },
  not_a_purchase: { en: 'is not a purchase', 'zh-CN': '不是平台上的采购单' },
  own_org_only: { en: 'must be your own organisation', 'zh-CN': '只能是本单位' },
  buyers_only: { en: 'applies to buyer organisations only', 'zh-CN': '仅适用于采购单位' },
  no_town_set: {
    en: 'cannot be listed: the office has not set your cooperative’s town',
    'zh-CN': '暂不能上架：指挥部尚未设置本合作社所属镇街',
  },
  not_a_notification_kind: {
    en: 'is not a notification your organisation gets',
    'zh-CN': '不是本单位会收到的通知类型',
  },
  security_by_email: {
    en: 'stays on: security notices always reach an owner by email',
    'zh-CN': '不可关闭：安全通知总会通过邮件发给负责人',
  },
  required_for_transfer: { en: 'is required for a bank transfer', 'zh-CN': '银行转账时必填' },
  one_of: { en: 'must be one or more of {options}', 'zh-CN': '应为以下之一：{options}' },
  foreign_cursor: {
    en: 'is not one this list handed out: start again from the first page',
    'zh-CN': '已失效，请从第一页重新开始',
  },
  min_above_max: { en: 'must not be below the lowest price', 'zh-CN': '不能低于最低价' },
  too_many_files: { en: 'takes at most {max} files', 'zh-CN': '最多 {max} 个文件' },
  multipart: { en: 'must be sent as a file upload', 'zh-CN': '应以文件上传方式提交' },
  empty_file: { en: 'is empty', 'zh-CN': '是空文件' },
  file_too_large: { en: 'is larger than {max} MB', 'zh-CN': '超过 {max} MB' },
  file_type: { en: 'must be one of {kinds} (checked by content)', 'zh-CN': '应为 {kinds} 格式（按文件内容判断）' },
  csv_or_xlsx: { en: 'must be a CSV or XLSX file', 'zh-CN': '应为 CSV 或 XLSX 文件' },
  unreadable_csv: { en: 'is not a readable CSV file ({detail})', 'zh-CN': '不是可读取的 CSV 文件' },
  no_rows: { en: 'has no data rows', 'zh-CN': '没有数据行' },
  missing_column: { en: 'needs a column {column}', 'zh-CN': '缺少“{column}”列' },
  missing_columns: {
    en: 'needs the columns {columns} (a header row naming each)',
    'zh-CN': '缺少列：{columns}（首行应为列名）',
  },
  header_columns: { en: 'has a header row without a product and a quantity column', 'zh-CN': '表头缺少产品列和数量列' },
  invalid_rows: {
    en: 'has {count} invalid row(s); preview it to see them',
    'zh-CN': '有 {count} 行有误，请先预览查看',
  },
  formula_cell: {
    en: 'has a formula in row {row}, column {column}; export the values only',
    'zh-CN': '第 {row} 行“{column}”列含公式，请只导出数值',
  },
  cell_too_long: {
    en: 'has {length} characters in row {row}, column {column}; at most {max} are taken',
    'zh-CN': '第 {row} 行“{column}”列有 {length} 个字符，最多 {max} 个',
  },
  not_a_product: { en: 'is not a product on the market', 'zh-CN': '不是平台上的商品' },
  not_before_start: { en: 'must not be before the first day', 'zh-CN': '不能早于开始日期' },
  not_after_end: { en: 'must not be after the last day', 'zh-CN': '不能晚于结束日期' },
  too_many_days: { en: 'must be within {max} days of the first day', 'zh-CN': '距开始日期不能超过 {max} 天' },
  first_tier_moq: { en: 'must equal the minimum order ({moq})', 'zh-CN': '应等于起订量（{moq}）' },
  tier_ascending: {
    en: 'must be more than the previous tier’s quantity',
    'zh-CN': '应大于上一档的起订数量',
  },
  tier_dearer: {
    en: 'must not be more than the previous tier’s unit price',
    'zh-CN': '不能高于上一档的单价',
  },
  no_tiers: { en: 'needs at least one tier', 'zh-CN': '至少需要一档价格' },
  too_many_tiers: { en: 'takes at most {max} tiers', 'zh-CN': '最多 {max} 档' },
  stock_below_zero: { en: 'would take stock below zero (stock is {stock})', 'zh-CN': '会使库存低于 0（现有 {stock}）' },
  not_below_min: { en: 'must not be below the minimum', 'zh-CN': '不能低于最小值' },
  ratio_below_min: { en: 'must be at least {min}%', 'zh-CN': '不能低于 {min}%' },
  deadline_passed: {
    en: 'is closed: the declaration deadline was {deadline}',
    'zh-CN': '已截止：申报截止日期为 {deadline}',
  },
  not_a_budget_unit: { en: 'is not a budget unit', 'zh-CN': '不是预算单位' },
  not_budget_unit_in_year: {
    en: 'is a year in which the office has not made this unit a budget unit ({year})',
    'zh-CN': '指挥部未将本单位列为 {year} 年度预算单位',
  },
  invoice_amount: {
    en: 'must equal the amount to invoice (¥{due})',
    'zh-CN': '应等于应开票金额（¥{due}）',
  },
  special_invoice_field: { en: 'is required for a special VAT invoice', 'zh-CN': '开具增值税专用发票时必填' },
  invoice_file: { en: 'must be a PDF or OFD e-invoice', 'zh-CN': '应为 PDF 或 OFD 格式的电子发票' },
  unit_name: {
    en: 'must be the unit alone (瓶, 箱, jar); write its weight or count in the specification',
    'zh-CN': '只填单位名称（如 瓶、箱、只），重量或数量请写在规格里',
  },
  more_than_zh: {
    en: 'has more entries than the Chinese list ({max})',
    'zh-CN': '条目不能多于中文列表（{max} 项）',
  },
  // Why a cart line cannot be checked out as it is (the cart, checkout and quick order).
  below_moq: { en: 'is below the minimum order of {moq} {unit}', 'zh-CN': '低于起订量 {moq} {unit}' },
  off_step: {
    en: 'must be {moq} {unit} plus a multiple of {orderStep}',
    'zh-CN': '应为起订量 {moq} {unit} 加 {orderStep} 的整数倍',
  },
  not_whole: { en: 'must be a whole number of {unit}', 'zh-CN': '应为整数个{unit}' },
  out_of_stock: { en: 'is more than the {stock} {unit} in stock', 'zh-CN': '超过库存（仅剩 {stock} {unit}）' },
  not_available: { en: 'is not on sale', 'zh-CN': '该产品已下架或暂不可售' },
  // Rows of an import (quick order, the sales import) that name a thing or a quantity wrongly.
  no_product: {
    en: 'matches no product on sale: write its code, Chinese or English name',
    'zh-CN': '找不到在售产品，请填写产品编号、中文名或英文名',
  },
  no_town: {
    en: 'matches no town of the programme: write its code or name',
    'zh-CN': '不是帮扶镇，请填写镇编号或镇名',
  },
  no_buyer: {
    en: 'matches no buyer organisation: write its credit code or name',
    'zh-CN': '找不到采购单位，请填写统一社会信用代码或单位名称',
  },
  ambiguous: { en: 'matches several: {options}; write the code', 'zh-CN': '匹配到多项：{options}，请填写编号' },
  cart_full: { en: 'would make more than {max} products in the cart', 'zh-CN': '购物车最多 {max} 种产品' },
  wrong_unit: { en: 'must be counted in {unit}', 'zh-CN': '应以“{unit}”为单位' },
  yuan_cents: {
    en: 'must be an amount in yuan with at most two decimals',
    'zh-CN': '应为金额（元），最多两位小数',
  },
  period_in_future: { en: 'must not be later than today', 'zh-CN': '不能晚于今天' },
  week_length: { en: 'must be 6 days after the start (a week)', 'zh-CN': '应为开始日期后第 6 天（一周）' },
  calendar_month: {
    en: 'must span one calendar month, first to last day',
    'zh-CN': '应为一个自然月（从 1 日到月末）',
  },
  period_empty: { en: 'must be after the start of the period', 'zh-CN': '应晚于结算期开始' },
} satisfies Record<string, Text>;
export type RuleCode = keyof typeof RULES;

const TYPES: Record<string, Text> = {
  string: { en: 'must be text', 'zh-CN': '应为文字' },
  number: { en: 'must be a number', 'zh-CN': '应为数字' },
  int: { en: 'must be a whole number', 'zh-CN': '应为整数' },
  boolean: { en: 'must be yes or no', 'zh-CN': '应为是或否' },
  array: { en: 'must be a list', 'zh-CN': '应为列表' },
  object: { en: 'must be an object', 'zh-CN': '格式不正确' },
};

const WRONG: Text = { en: 'is not valid', 'zh-CN': '填写有误' };

function fill(text: string, params: Record<string, unknown>, lang: MessageLang): string {
  // English counts its unit: "{moq} {unit}" reads "10 jars", a bare "{unit}" the plural ("a whole number of jars").
  const unit = params.unit;
  if (lang === 'en' && typeof unit === 'string') {
    text = text
      .replace(/\{(\w+)\} \{unit\}/g, (all, k: string) => {
        const n = params[k];
        return typeof n === 'number' ? `{${k}} ${unitPlural(unit, n)}` : all;
      })
      .replace(/\{unit\}/g, unitPlural(unit, 2));
  }
  return text.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    return typeof v === 'number' ? v.toLocaleString(lang) : String(v ?? '');
  });
}

function count(n: unknown, lang: MessageLang): string {
  return typeof n === 'number' || typeof n === 'bigint' ? n.toLocaleString(lang) : String(n);
}

function missing(iss: IssueLike): boolean {
  if ('input' in iss) return iss.input === undefined || iss.input === null || iss.input === '';
  return iss.received === 'missing';
}

/** Sizes of text (characters) and lists (entries). */
function sized(iss: IssueLike, lang: MessageLang, big: boolean): string | undefined {
  const n = count(big ? iss.maximum : iss.minimum, lang);
  const zh = lang === 'zh-CN';
  if (iss.origin === 'string') {
    if (!big && (iss.minimum === 1 || missing(iss))) return RULES.required[lang];
    if (iss.exact) return zh ? `应为 ${n} 个字符` : `must be exactly ${n} characters`;
    if (big) return zh ? `最多 ${n} 个字符` : `must be at most ${n} characters`;
    return zh ? `至少需要 ${n} 个字符` : `must be at least ${n} characters`;
  }
  if (iss.origin === 'array' || iss.origin === 'set') {
    if (big) return zh ? `最多 ${n} 项` : `takes at most ${n} entries`;
    return zh ? `至少需要 ${n} 项` : iss.minimum === 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
  }
  if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') {
    if (big)
      return iss.inclusive === false
        ? zh
          ? `应小于 ${n}`
          : `must be less than ${n}`
        : zh
          ? `不能大于 ${n}`
          : `must be at most ${n}`;
    return iss.inclusive === false
      ? zh
        ? `应大于 ${n}`
        : `must be more than ${n}`
      : zh
        ? `不能小于 ${n}`
        : `must be at least ${n}`;
  }
  return undefined;
}

/**
 * The predicate for one zod issue, or undefined for an issue this table does not word (zod's own
 * locale then speaks). Custom refinements name their rule in `params.rule`.
 */
export function issueMessage(iss: IssueLike, lang: MessageLang): string | undefined {
  const zh = lang === 'zh-CN';
  switch (iss.code) {
    case 'invalid_type':
      if (missing(iss)) return RULES.required[lang];
      return TYPES[String(iss.expected)]?.[lang] ?? WRONG[lang];
    case 'too_small':
      return sized(iss, lang, false);
    case 'too_big':
      return sized(iss, lang, true);
    case 'invalid_format':
      if (missing(iss)) return RULES.required[lang];
      if (isNulIssue(iss)) return RULES.no_nul[lang];
      if (iss.format === 'regex' || iss.format === 'starts_with' || iss.format === 'ends_with')
        return zh ? '格式不正确' : 'has the wrong format';
      return FORMATS[String(iss.format)]?.[lang] ?? (zh ? '格式不正确' : 'has the wrong format');
    case 'invalid_value':
    case 'invalid_union':
      if (missing(iss)) return RULES.required[lang];
      return zh ? '需从列表中选择' : 'must be one of the choices';
    case 'not_multiple_of':
      return zh ? `应为 ${count(iss.divisor, lang)} 的倍数` : `must be a multiple of ${count(iss.divisor, lang)}`;
    case 'unrecognized_keys':
      return zh ? '不是可接受的字段' : 'is not an accepted field';
    case 'custom': {
      const params = (iss.params ?? {}) as Record<string, unknown>;
      const rule = RULES[params.rule as RuleCode];
      return rule ? fill(rule[lang], params, lang) : undefined;
    }
    default:
      return undefined;
  }
}

/** A service's own rule (`already_registered`, `tier_ascending`, …) in a language. */
export function ruleMessage(rule: RuleCode, lang: MessageLang, params: Record<string, unknown> = {}): string {
  return fill(RULES[rule][lang], params, lang);
}

const ISSUE_CODES = new Set([
  'invalid_type',
  'too_small',
  'too_big',
  'invalid_format',
  'invalid_value',
  'invalid_union',
  'not_multiple_of',
  'unrecognized_keys',
  'custom',
]);

/**
 * A field error of the api's problem JSON in the reader's language: from its zod issue or rule
 * code where it has one; otherwise the api's English, or a plain "填写有误" in Chinese (no English
 * in the Chinese UI).
 */
export function fieldErrorMessage(error: FieldError, lang: MessageLang): string {
  const params = error.params ?? {};
  if (error.code && ISSUE_CODES.has(error.code)) {
    const m = issueMessage({ ...params, code: error.code }, lang);
    if (m) return m;
  }
  if (error.code && error.code in RULES) return ruleMessage(error.code as RuleCode, lang, params);
  return lang === 'en' ? error.message : WRONG[lang];
}

/**
 * The label and the predicate as one sentence: "Password must be …", "密码至少需要 …". A hint at
 * the end of a label ("登录密码（至少 10 位）", "Amount (¥)") stays out of the sentence.
 */
export function labelled(label: string, predicate: string, lang: MessageLang): string {
  const bare = label.replace(/\s*[（(][^（()）]*[)）]\s*$/, '');
  return lang === 'en' ? `${bare} ${predicate}` : `${bare}${predicate}`;
}

/** zod's error map for the contracts in one language: `z.config({ customError: contractErrorMap('zh-CN') })`. */
export function contractErrorMap(lang: MessageLang): (iss: IssueLike) => string | undefined {
  return (iss) => issueMessage(iss, lang);
}
