import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProduct } from '@shanhai/db/testing';
import { loginAs, MOBILE, newPage, screenshotOnFailure, TEST_OUTPUT, type Viewport } from './support/browser';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

/**
 * Every form, in both languages: an empty submit, then each field wrong in turn (a fresh form each
 * time, the other fields valid). The messages sit under their fields, start with the field's
 * label, and speak the page's language only: no validator text, field paths or English in the
 * Chinese UI, no Chinese in the English one. Cases marked `server` pass the browser's checks and
 * are refused by the api; its answer lands under the same field in the same words.
 */
const suite = useStackAndBrowser();

type Lang = 'zh-CN' | 'en';
type Texts = Record<Lang, string>;

interface Wrong {
  /** What is wrong, for the test's name. */
  what: string;
  /** Makes one field wrong (the rest of the form valid). */
  act: (page: Page) => Promise<void>;
  expect: Texts;
  server?: boolean;
}
interface FormCase {
  name: string;
  login?: string;
  /** Opens the form, fresh. */
  open: (page: Page) => Promise<void>;
  /** The form's root and its submit button. */
  form: string;
  submit: string;
  /** Fills every field validly. */
  fillValid: (page: Page) => Promise<void>;
  /** Empties what the form starts with (prefilled defaults), before the empty submit. */
  empty?: (page: Page) => Promise<void>;
  emptyMessages: Record<Lang, string[]>;
  wrong: Wrong[];
}

/** Types into an Element Plus number input and leaves it, so that it commits the value. */
async function typeNumber(page: Page, selector: string, value: string) {
  const input = page.locator(`${selector} input`);
  await input.fill(value);
  await input.press('Tab');
}

const long = (n: number) => 'x'.repeat(n);

const { api, demoPurchase } = stackApi(suite);
/**
 * A paid purchase of a new product of the demo cooperative by the demo buyer, made once per file
 * for the forms that need an order (shipping, invoices): the wrong cases never send a valid form,
 * so it stays paid.
 */
let paid: Promise<{ purchaseId: string; orderId: string }> | undefined;
function paidOrder() {
  paid ??= (async () => {
    const p = await demoPurchase('表单测试山茶油', true);
    const buyer = p.buyer;
    // The buyer has asked for its invoice, for the cooperative's upload form.
    const invoice = await api(`/orders/${p.orders[0]!.id}/invoice`, {
      method: 'POST',
      token: buyer,
      body: { kind: 'normal' },
    });
    expect(invoice).toMatchObject({ status: 'requested' });
    return { purchaseId: p.id, orderId: p.orders[0]!.id };
  })();
  return paid;
}
/** A second paid order, without an invoice, for the buyer's request form. */
let paid2: Promise<{ purchaseId: string }> | undefined;
function paidOrderWithoutInvoice() {
  paid2 ??= (async () => {
    const p = await demoPurchase('表单测试腊肉', true);
    return { purchaseId: p.id };
  })();
  return paid2;
}
/** The day after today in Guangzhou, as a date picker takes it. */
const tomorrow = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + 86_400_000));
/** Clears an Element Plus text input (a plain one, or the one inside a wrapper). */
const clear = (page: Page, selector: string) => page.locator(`input${selector}, ${selector} input`).first().fill('');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const FORMS: FormCase[] = [
  {
    name: 'login',
    open: async (page) => {
      await page.goto('/login');
      await page.waitForSelector('[data-test=login-email]');
    },
    form: '.panel form',
    submit: '[data-test=login-submit]',
    fillValid: async (page) => {
      await page.fill('[data-test=login-email]', 'buyer@demo.shanhai');
      await page.fill('[data-test=login-password]', 'not-the-password');
    },
    emptyMessages: { 'zh-CN': ['邮箱不能为空', '密码不能为空'], en: ['Email is required', 'Password is required'] },
    wrong: [
      {
        what: 'email',
        act: (page) => page.fill('[data-test=login-email]', 'not-an-email'),
        expect: { 'zh-CN': '邮箱应为有效的电子邮箱地址', en: 'Email must be an email address' },
      },
    ],
  },
  {
    name: 'sign-up (partner unit)',
    open: async (page) => {
      await page.goto('/signup');
      await page.waitForSelector('[data-test=signup-form]');
    },
    form: '[data-test=signup-form]',
    submit: '[data-test=signup-submit]',
    fillValid: async (page) => {
      await page.fill('[data-test=signup-name]', '广州市表单测试有限公司');
      await page.fill('[data-test=signup-contactName]', '王小明');
      await page.fill('[data-test=signup-contactPhone]', '020-12345678');
      await page.fill('[data-test=signup-address]', '广州市天河区体育西路 1 号');
      await page.fill('[data-test=signup-invoiceTitle]', '广州市表单测试有限公司');
      await page.fill('[data-test=signup-taxId]', '91440101MA5ABCDE12');
      await page.fill('[data-test=signup-ownerName]', '王小明');
      await page.fill('[data-test=signup-ownerEmail]', 'forms-e2e@example.com');
      await page.fill('[data-test=signup-ownerPassword]', 'long-enough-password');
    },
    emptyMessages: {
      'zh-CN': [
        '单位名称不能为空',
        '联系人不能为空',
        '联系电话不能为空',
        '地址不能为空',
        '发票抬头不能为空',
        '纳税人识别号不能为空',
        '负责人姓名不能为空',
        '负责人邮箱不能为空',
        '登录密码不能为空',
      ],
      en: [
        'Organisation name is required',
        'Contact person is required',
        'Contact phone is required',
        'Address is required',
        'Invoice title is required',
        'Taxpayer id is required',
        'Owner’s name is required',
        'Owner’s email is required',
        'Password is required',
      ],
    },
    wrong: [
      {
        what: 'name too short',
        act: (page) => page.fill('[data-test=signup-name]', '甲'),
        expect: { 'zh-CN': '单位名称至少需要 2 个字符', en: 'Organisation name must be at least 2 characters' },
      },
      {
        what: 'credit code',
        act: (page) => page.fill('[data-test=signup-creditCode]', '12345'),
        expect: {
          'zh-CN': '统一社会信用代码应为 18 位，由数字和大写字母组成',
          en: 'Unified social credit code must be 18 characters: digits and capital letters',
        },
      },
      {
        what: 'phone',
        act: (page) => page.fill('[data-test=signup-contactPhone]', 'call me'),
        expect: { 'zh-CN': '联系电话应为有效的电话号码', en: 'Contact phone must be a phone number' },
      },
      {
        what: 'address too short',
        act: (page) => page.fill('[data-test=signup-address]', '广州'),
        expect: { 'zh-CN': '地址至少需要 4 个字符', en: 'Address must be at least 4 characters' },
      },
      {
        what: 'tax id',
        act: (page) => page.fill('[data-test=signup-taxId]', 'ABC'),
        expect: {
          'zh-CN': '纳税人识别号应为 18 位，由数字和大写字母组成',
          en: 'Taxpayer id must be 18 characters: digits and capital letters',
        },
      },
      {
        what: 'email',
        act: (page) => page.fill('[data-test=signup-ownerEmail]', 'someone@'),
        expect: { 'zh-CN': '负责人邮箱应为有效的电子邮箱地址', en: 'Owner’s email must be an email address' },
      },
      {
        what: 'password too short',
        act: (page) => page.fill('[data-test=signup-ownerPassword]', 'short'),
        expect: { 'zh-CN': '登录密码至少需要 10 个字符', en: 'Password must be at least 10 characters' },
      },
      {
        what: 'email already registered',
        server: true,
        act: (page) => page.fill('[data-test=signup-ownerEmail]', 'buyer2@demo.shanhai'),
        expect: { 'zh-CN': '负责人邮箱已被注册', en: 'Owner’s email is already registered' },
      },
    ],
  },
  {
    name: 'product (cooperative)',
    login: 'coop@demo.shanhai',
    open: async (page) => {
      await page.goto('/coop/products');
      await page.click('[data-test=product-create]');
      await page.waitForSelector('[data-test=product-form]');
    },
    form: '[data-test=product-form]',
    submit: '[data-test=pf-save]',
    fillValid: async (page) => {
      await page.fill('[data-test=pf-nameZh]', '表单测试蜂蜜');
      await page.fill('[data-test=pf-unit]', '瓶');
      await typeNumber(page, '[data-test=tier-price-0]', '58');
    },
    empty: (page) => typeNumber(page, '[data-test=pf-moq]', ''),
    emptyMessages: {
      'zh-CN': ['中文名称不能为空', '销售单位不能为空', '起订量不能为空', '第 1 档单价不能为空'],
      en: ['Chinese name is required', 'Sale unit is required', 'MOQ is required', 'Tier 1 unit price is required'],
    },
    wrong: [
      {
        what: 'English name too long',
        act: (page) => page.fill('[data-test=pf-nameEn]', long(121)),
        expect: { 'zh-CN': '英文名称最多 120 个字符', en: 'English name must be at most 120 characters' },
      },
      {
        what: 'a second tier not above the first',
        act: async (page) => {
          await page.click('[data-test=tier-add]');
          await typeNumber(page, '[data-test=tier-min-1]', '1');
        },
        expect: {
          'zh-CN': '第 2 档起购数量应大于上一档的起订数量',
          en: 'Tier 2 quantity must be more than the previous tier’s quantity',
        },
      },
      {
        what: 'a second tier dearer than the first',
        act: async (page) => {
          await page.click('[data-test=tier-add]');
          await typeNumber(page, '[data-test=tier-price-1]', '60');
        },
        expect: {
          'zh-CN': '第 2 档单价不能高于上一档的单价',
          en: 'Tier 2 unit price must not be more than the previous tier’s unit price',
        },
      },
    ],
  },
  {
    name: 'add a member',
    login: 'buyer@demo.shanhai',
    open: async (page) => {
      await page.goto('/account/members');
      await page.click('[data-test=invite-open]');
      await page.waitForSelector('[data-test=invite-form]');
    },
    form: '[data-test=invite-form]',
    submit: '[data-test=invite-submit]',
    fillValid: async (page) => {
      await page.fill('[data-test=invite-form] input[type=email]', 'new-member@example.com');
      await page.fill('[data-test=member-name]', '李四');
    },
    emptyMessages: {
      'zh-CN': ['邮箱不能为空', '姓名不能为空'],
      en: ['Email is required', 'Name is required'],
    },
    wrong: [
      {
        what: 'email',
        act: (page) => page.fill('[data-test=invite-form] input[type=email]', 'nobody'),
        expect: { 'zh-CN': '邮箱应为有效的电子邮箱地址', en: 'Email must be an email address' },
      },
      {
        what: 'email already registered',
        server: true,
        act: (page) => page.fill('[data-test=invite-form] input[type=email]', 'coop2@demo.shanhai'),
        expect: { 'zh-CN': '邮箱已被注册', en: 'Email is already registered' },
      },
    ],
  },
  {
    name: 'offline sale (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/sales');
      await page.waitForSelector('[data-test=offline-form]');
    },
    form: '[data-test=offline-form]',
    submit: '[data-test=offline-submit]',
    fillValid: async (page) => {
      await page.click('[data-test=offline-town]');
      await page.locator('.el-select-dropdown__item:visible').first().click();
      await typeNumber(page, '[data-test=offline-amount]', '2500');
    },
    emptyMessages: {
      'zh-CN': ['镇街不能为空', '金额不能为空'],
      en: ['Town is required', 'Amount is required'],
    },
    wrong: [
      {
        what: 'invoice number too long',
        act: (page) => page.fill('[data-test=offline-invoice]', long(65)),
        expect: { 'zh-CN': '发票号最多 64 个字符', en: 'Invoice no. must be at most 64 characters' },
      },
    ],
  },
  {
    name: 'change password',
    // Not a user the other cases log in as: a slip that changed the password would not break them.
    login: 'buyer2@demo.shanhai',
    open: async (page) => {
      await page.goto('/account/password');
      await page.waitForSelector('[data-test=change-password-form]');
    },
    form: '[data-test=change-password-form]',
    submit: '[data-test=change-password]',
    fillValid: async (page) => {
      await page.fill('[data-test=current-password]', 'shanhai-demo');
      await page.fill('[data-test=new-password]', 'a-new-long-password');
      await page.fill('[data-test=confirm-password]', 'a-new-long-password');
    },
    emptyMessages: {
      'zh-CN': ['当前密码不能为空', '新密码不能为空'],
      en: ['Current password is required', 'New password is required'],
    },
    wrong: [
      {
        what: 'new password too short',
        act: async (page) => {
          await page.fill('[data-test=new-password]', 'short');
          await page.fill('[data-test=confirm-password]', 'short');
        },
        expect: { 'zh-CN': '新密码至少需要 10 个字符', en: 'New password must be at least 10 characters' },
      },
      {
        what: 'confirmation differs',
        act: (page) => page.fill('[data-test=confirm-password]', 'another-long-password'),
        expect: { 'zh-CN': '两次输入的密码不一致', en: 'The two passwords differ' },
      },
      {
        what: 'current password wrong',
        server: true,
        act: (page) => page.fill('[data-test=current-password]', 'not-the-password'),
        expect: { 'zh-CN': '当前密码不正确', en: 'Current password is not correct' },
      },
    ],
  },
  {
    name: 'forgotten password',
    open: async (page) => {
      await page.goto('/forgot-password');
      await page.waitForSelector('[data-test=forgot-form]');
    },
    form: '[data-test=forgot-form]',
    submit: '[data-test=forgot-submit]',
    fillValid: (page) => page.fill('[data-test=forgot-email]', 'someone@example.com'),
    emptyMessages: { 'zh-CN': ['邮箱不能为空'], en: ['Email is required'] },
    wrong: [
      {
        what: 'email',
        act: (page) => page.fill('[data-test=forgot-email]', 'not-an-email'),
        expect: { 'zh-CN': '邮箱应为有效的电子邮箱地址', en: 'Email must be an email address' },
      },
    ],
  },
  {
    name: 'organisation settings',
    login: 'buyer@demo.shanhai',
    open: async (page) => {
      await page.goto('/account/org');
      await page.waitForSelector('[data-test=org-settings-form]');
    },
    form: '[data-test=org-settings-form]',
    submit: '[data-test=settings-save]',
    fillValid: async () => {
      // The form opens with the org's own valid profile.
    },
    empty: async (page) => {
      for (const f of [
        'invoice-title',
        'tax-id',
        'invoice-address',
        'invoice-phone',
        'invoice-bank',
        'invoice-account',
      ])
        await page.fill(`[data-test=settings-${f}]`, '');
    },
    emptyMessages: {
      'zh-CN': ['发票抬头不能为空', '纳税人识别号不能为空'],
      en: ['Invoice title is required', 'Taxpayer number is required'],
    },
    wrong: [
      {
        what: 'tax id',
        act: (page) => page.fill('[data-test=settings-tax-id]', 'ABC'),
        expect: {
          'zh-CN': '纳税人识别号应为 18 位，由数字和大写字母组成',
          en: 'Taxpayer number must be 18 characters: digits and capital letters',
        },
      },
      {
        what: 'invoice phone',
        act: (page) => page.fill('[data-test=settings-invoice-phone]', '12'),
        expect: { 'zh-CN': '注册电话应为有效的电话号码', en: 'Registered phone must be a phone number' },
      },
      {
        what: 'bank account number',
        act: (page) => page.fill('[data-test=settings-invoice-account]', 'abc'),
        expect: {
          'zh-CN': '银行账号应为 8–40 位数字（可用空格或短横线分隔）',
          en: 'Account number must be 8–40 digits (spaces or dashes may group them)',
        },
      },
      {
        what: 'approval threshold',
        act: (page) => page.fill('[data-test=settings-threshold]', '-5'),
        expect: { 'zh-CN': '审批额度不能小于 0', en: 'Approval threshold must be at least 0' },
      },
    ],
  },
  {
    name: 'delivery address',
    login: 'buyer@demo.shanhai',
    open: async (page) => {
      await page.goto('/account/org');
      await page.click('[data-test=address-add]');
      await page.waitForSelector('[data-test=address-form]');
    },
    form: '[data-test=address-form]',
    submit: '[data-test=address-submit]',
    fillValid: async (page) => {
      await page.fill('[data-test=address-address]', '广州市越秀区府前路 1 号');
      await page.fill('[data-test=address-contact]', '陈收货');
      await page.fill('[data-test=address-phone]', '13800138000');
    },
    emptyMessages: {
      'zh-CN': ['收货地址不能为空', '联系人不能为空', '联系电话不能为空'],
      en: ['Address is required', 'Contact person is required', 'Contact phone is required'],
    },
    wrong: [
      {
        what: 'address too short',
        act: (page) => page.fill('[data-test=address-address]', '广州'),
        expect: { 'zh-CN': '收货地址至少需要 4 个字符', en: 'Address must be at least 4 characters' },
      },
      {
        what: 'phone',
        act: (page) => page.fill('[data-test=address-phone]', 'call me'),
        expect: { 'zh-CN': '联系电话应为有效的电话号码', en: 'Contact phone must be a phone number' },
      },
    ],
  },
  {
    name: 'payout account (cooperative)',
    login: 'coop2@demo.shanhai',
    open: async (page) => {
      await page.goto('/coop/statements');
      await page.click('[data-test=payout-account-edit]');
      await page.waitForSelector('.acct-form');
    },
    form: '.acct-form',
    submit: '[data-test=acct-submit]',
    fillValid: async (page) => {
      await page.fill('[data-test=acct-name]', '英德市表单测试合作社');
      await page.fill('[data-test=acct-bank]', '中国农业银行');
      await page.fill('[data-test=acct-branch]', '英德支行');
      await page.fill('[data-test=acct-no]', '6228480000000000000');
    },
    emptyMessages: {
      'zh-CN': ['户名不能为空', '开户银行不能为空', '开户行/支行不能为空', '账号不能为空'],
      en: ['Account name is required', 'Bank is required', 'Branch is required', 'Account number is required'],
    },
    wrong: [
      {
        what: 'account number',
        act: (page) => page.fill('[data-test=acct-no]', '12-ab'),
        expect: {
          'zh-CN': '账号应为 8–40 位数字（可用空格或短横线分隔）',
          en: 'Account number must be 8–40 digits (spaces or dashes may group them)',
        },
      },
      {
        what: 'account name too long',
        act: (page) => page.fill('[data-test=acct-name]', long(201)),
        expect: { 'zh-CN': '户名最多 100 个字符', en: 'Account name must be at most 100 characters' },
      },
    ],
  },
  {
    name: 'campaign (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/campaigns/new');
      await page.waitForSelector('[data-test=campaign-form]');
    },
    form: '[data-test=campaign-form]',
    submit: '[data-test=cf-save]',
    fillValid: async (page) => {
      await page.fill('[data-test=cf-nameZh]', '表单测试活动');
      await page.fill('[data-test=cf-nameEn]', 'Forms test week');
      await pickDate(page, '[data-test=cf-startsOn] input', '2027-03-01');
      await pickDate(page, '[data-test=cf-endsOn] input', '2027-03-07');
    },
    emptyMessages: {
      'zh-CN': ['中文名称不能为空', '英文名称不能为空', '开始日期不能为空', '结束日期不能为空'],
      en: ['Chinese name is required', 'English name is required', 'First day is required', 'Last day is required'],
    },
    wrong: [
      {
        what: 'ends before it starts',
        act: (page) => pickDate(page, '[data-test=cf-endsOn] input', '2027-02-20'),
        expect: { 'zh-CN': '结束日期不能早于开始日期', en: 'Last day must not be before the first day' },
      },
      {
        what: 'English name too long',
        act: (page) => page.fill('[data-test=cf-nameEn]', long(201)),
        expect: { 'zh-CN': '英文名称最多 120 个字符', en: 'English name must be at most 120 characters' },
      },
    ],
  },
  {
    name: 'pairing (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/pairings');
      await page.click('[data-test=pairing-new]');
      await page.waitForSelector('[data-test=pairing-dialog] form');
    },
    form: '[data-test=pairing-dialog] form',
    submit: '[data-test=pairing-save]',
    fillValid: async (page) => {
      await page.click('[data-test=pairing-form-unit]');
      await page.keyboard.type('广州');
      await page.locator('.el-select-dropdown__item:visible').first().click();
      // The unit's list fades out first: its items must not be taken for the town's.
      await expect.poll(() => page.locator('.el-select-dropdown__item:visible').count()).toBe(0);
      await page.click('[data-test=pairing-form-town]');
      await page.locator('.el-select-dropdown__item:visible').first().click();
    },
    emptyMessages: {
      'zh-CN': ['组团单位不能为空', '帮扶镇不能为空'],
      en: ['Partner unit is required', 'Town is required'],
    },
    wrong: [
      {
        what: 'ends before it starts',
        act: (page) =>
          pickDate(page, '[data-test=pairing-dialog] .dates .el-form-item:nth-child(2) input', '2020-01-01'),
        expect: { 'zh-CN': '结束日期不能早于开始日期', en: 'Until must not be before the first day' },
      },
      {
        what: 'negative pledge',
        act: (page) => typeNumber(page, '[data-test=pairing-form-pledge]', '-100'),
        expect: { 'zh-CN': '年度认购承诺不能小于 0', en: 'Yearly pledge must be at least 0' },
      },
    ],
  },
  {
    name: 'set a password from an emailed link',
    open: async (page) => {
      // A well-formed link: the form shows; the token is only judged by the api when a valid form is sent.
      await page.goto(`/reset-password#token=${'A'.repeat(43)}`);
      await page.waitForSelector('[data-test=set-password-form]');
    },
    form: '[data-test=set-password-form]',
    submit: '[data-test=set-password]',
    fillValid: async (page) => {
      await page.fill('[data-test=new-password]', 'long-enough-password');
      await page.fill('[data-test=confirm-password]', 'long-enough-password');
    },
    emptyMessages: { 'zh-CN': ['新密码不能为空'], en: ['New password is required'] },
    wrong: [
      {
        what: 'too short',
        act: async (page) => {
          await page.fill('[data-test=new-password]', 'short');
          await page.fill('[data-test=confirm-password]', 'short');
        },
        expect: { 'zh-CN': '新密码至少需要 10 个字符', en: 'New password must be at least 10 characters' },
      },
      {
        what: 'confirmation differs',
        act: (page) => page.fill('[data-test=confirm-password]', 'another-long-password'),
        expect: { 'zh-CN': '两次输入的密码不一致', en: 'The two passwords differ' },
      },
    ],
  },
  {
    name: 'ship an order (cooperative)',
    login: 'coop@demo.shanhai',
    open: async (page) => {
      const { orderId } = await paidOrder();
      await page.goto(`/coop/orders/${orderId}`);
      await page.click('[data-test=ship]');
      await page.waitForSelector('.ship-dialog [data-test=ship-tracking]');
    },
    form: '.ship-dialog form',
    submit: '[data-test=ship-confirm]',
    fillValid: async (page) => {
      await page.click('.ship-dialog [data-test=ship-carrier]');
      await page.locator('.el-select-dropdown__item:visible').first().click();
      await page.fill('.ship-dialog input[data-test=ship-tracking]', 'SF1400000099');
    },
    emptyMessages: {
      'zh-CN': ['快递公司不能为空', '运单号不能为空'],
      en: ['Carrier is required', 'Tracking number is required'],
    },
    wrong: [
      {
        what: 'a carrier typed in, too long',
        act: async (page) => {
          // Not from the list: typed in, as a carrier the list does not have.
          const input = page.locator('.ship-dialog [data-test=ship-carrier] input');
          await input.click();
          await input.fill(long(101));
          await input.press('Enter');
        },
        expect: { 'zh-CN': '快递公司最多 100 个字符', en: 'Carrier must be at most 100 characters' },
      },
      {
        what: 'tracking number too long',
        act: (page) => page.fill('.ship-dialog input[data-test=ship-tracking]', long(101)),
        expect: { 'zh-CN': '运单号最多 100 个字符', en: 'Tracking number must be at most 100 characters' },
      },
    ],
  },
  {
    name: 'request an invoice (buyer)',
    login: 'buyer@demo.shanhai',
    open: async (page) => {
      const { purchaseId } = await paidOrderWithoutInvoice();
      await page.goto(`/purchases/${purchaseId}`);
      await page.click('[data-test=invoice-request]');
      await page.waitForSelector('[data-test=invoice-request-form]');
      // The title and tax id arrive from the organisation's settings.
      await expect.poll(() => page.locator('input[data-test=invoice-title]').inputValue()).not.toBe('');
      await page.click('[data-test=invoice-kind-special]');
    },
    form: '[data-test=invoice-request-form]',
    submit: '[data-test=invoice-request-submit]',
    fillValid: async (page) => {
      await page.fill('input[data-test=invoice-title]', '广州市表单测试有限公司');
      await page.fill('input[data-test=invoice-tax-id]', '91440101MA5ABCDE12');
      await page.fill('input[data-test=invoice-address]', '广州市天河区体育西路 1 号');
      await page.fill('input[data-test=invoice-phone]', '020-12345678');
      await page.fill('input[data-test=invoice-bank]', '中国工商银行广州天河支行');
      await page.fill('input[data-test=invoice-account]', '3602000109001234567');
    },
    empty: async (page) => {
      for (const f of ['title', 'tax-id', 'address', 'phone', 'bank', 'account'])
        await page.fill(`input[data-test=invoice-${f}]`, '');
    },
    emptyMessages: {
      'zh-CN': [
        '发票抬头不能为空',
        '纳税人识别号不能为空',
        '注册地址开具增值税专用发票时必填',
        '注册电话开具增值税专用发票时必填',
        '开户银行开具增值税专用发票时必填',
        '银行账号开具增值税专用发票时必填',
      ],
      en: [
        'Invoice title is required',
        'Taxpayer number is required',
        'Registered address is required for a special VAT invoice',
        'Registered phone is required for a special VAT invoice',
        'Bank is required for a special VAT invoice',
        'Account number is required for a special VAT invoice',
      ],
    },
    wrong: [
      {
        what: 'title too short',
        act: (page) => page.fill('input[data-test=invoice-title]', '甲'),
        expect: { 'zh-CN': '发票抬头至少需要 2 个字符', en: 'Invoice title must be at least 2 characters' },
      },
      {
        what: 'tax id',
        act: (page) => page.fill('input[data-test=invoice-tax-id]', 'ABC'),
        expect: {
          'zh-CN': '纳税人识别号应为纳税人识别号（15、18 或 20 位数字和大写字母）',
          en: 'Taxpayer number must be a taxpayer number: 15, 18 or 20 digits and capital letters',
        },
      },
      {
        what: 'address too short',
        act: (page) => page.fill('input[data-test=invoice-address]', '广州'),
        expect: { 'zh-CN': '注册地址至少需要 4 个字符', en: 'Registered address must be at least 4 characters' },
      },
      {
        what: 'phone',
        act: (page) => page.fill('input[data-test=invoice-phone]', 'call me'),
        expect: { 'zh-CN': '注册电话应为有效的电话号码', en: 'Registered phone must be a phone number' },
      },
      {
        what: 'bank name too short',
        act: (page) => page.fill('input[data-test=invoice-bank]', '工'),
        expect: { 'zh-CN': '开户银行至少需要 2 个字符', en: 'Bank must be at least 2 characters' },
      },
      {
        what: 'account number',
        act: (page) => page.fill('input[data-test=invoice-account]', '12ab'),
        expect: {
          'zh-CN': '银行账号应为 8–40 位数字（可用空格或短横线分隔）',
          en: 'Account number must be 8–40 digits (spaces or dashes may group them)',
        },
      },
    ],
  },
  {
    name: 'upload an invoice (cooperative)',
    login: 'coop@demo.shanhai',
    open: async (page) => {
      const { orderId } = await paidOrder();
      await page.goto(`/coop/orders/${orderId}`);
      await page.click('[data-test=invoice-upload]');
      await page.waitForSelector('[data-test=invoice-upload-form]');
    },
    form: '[data-test=invoice-upload-form]',
    submit: '[data-test=invoice-upload-submit]',
    fillValid: async (page) => {
      await page.fill('input[data-test=invoice-no]', '26442000000000000001');
      await page.locator('[data-test=invoice-file]').setInputFiles({
        name: 'fapiao.pdf',
        mimeType: 'application/pdf',
        buffer: PDF,
      });
    },
    empty: (page) => page.fill('input[data-test=invoice-amount]', ''),
    emptyMessages: {
      'zh-CN': ['发票号码不能为空', '金额不能为空', '电子发票文件不能为空'],
      en: ['Invoice number is required', 'Amount is required', 'E-invoice file is required'],
    },
    wrong: [
      {
        what: 'invoice number',
        act: (page) => page.fill('input[data-test=invoice-no]', '12'),
        expect: { 'zh-CN': '发票号码格式不正确', en: 'Invoice number has the wrong format' },
      },
      {
        what: 'amount not a number',
        act: (page) => page.fill('input[data-test=invoice-amount]', '一百'),
        expect: { 'zh-CN': '金额应为数字', en: 'Amount must be a number' },
      },
    ],
  },
  {
    name: 'bank charge (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/money');
      await page.click('[data-test=record-bank-charge]');
      await page.waitForSelector('.el-dialog [data-test=bank-charge-txn]');
    },
    form: '.el-dialog:has([data-test=bank-charge-txn]) form',
    submit: '[data-test=bank-charge-confirm]',
    fillValid: async (page) => {
      await typeNumber(page, '[data-test=bank-charge-amount]', '12.5');
      await page.fill('.el-dialog input[data-test=bank-charge-txn]', 'FORMS-E2E-FEE-1');
    },
    emptyMessages: {
      'zh-CN': ['金额不能为空', '银行流水号不能为空'],
      en: ['Amount is required', 'Bank transaction id is required'],
    },
    wrong: [
      {
        what: 'booked in the future',
        server: true,
        act: (page) =>
          // The date picker's data-test lands on its popper: the field is the dialog's second.
          pickDate(page, '.el-dialog:has([data-test=bank-charge-txn]) .el-form-item:nth-child(2) input', tomorrow()),
        expect: { 'zh-CN': '记账日期不能晚于今天', en: 'Booked on must not be later than today' },
      },
    ],
  },
  {
    name: 'monthly report (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/units/reports');
      await page.waitForSelector('[data-test=report-form]');
    },
    form: '[data-test=report-form]',
    submit: '[data-test=report-take]',
    fillValid: (page) => page.fill('input[data-test=report-title]', '表单测试通报'),
    empty: (page) => clear(page, '[data-test=report-title]'),
    emptyMessages: { 'zh-CN': ['通报标题不能为空'], en: ['Report title is required'] },
    wrong: [
      {
        what: 'title too long',
        act: (page) => page.fill('input[data-test=report-title]', long(101)),
        expect: { 'zh-CN': '通报标题最多 100 个字符', en: 'Report title must be at most 100 characters' },
      },
    ],
  },
  {
    name: 'run a settlement (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/settlements');
      await page.waitForSelector('[data-test=run-settlement]');
    },
    form: '[data-test=run-settlement]',
    submit: '[data-test=run-settlement-button]',
    fillValid: async () => {},
    // The date pickers' data-test lands on their popper: the fields are the form's second and third.
    empty: (page) => pickDate(page, '[data-test=run-settlement] .el-form-item:nth-child(3) input', ''),
    emptyMessages: { 'zh-CN': ['结束日期不能为空'], en: ['To is required'] },
    wrong: [
      {
        what: 'starts after it ends',
        server: true,
        act: (page) => pickDate(page, '[data-test=run-settlement] .el-form-item:nth-child(2) input', tomorrow()),
        expect: { 'zh-CN': '结束日期应晚于结算期开始', en: 'To must be after the start of the period' },
      },
    ],
  },
  {
    name: 'reserved-share settings (office)',
    login: 'office@demo.shanhai',
    open: async (page) => {
      await page.goto('/office/units/classify');
      await page.waitForSelector('[data-test=unit-settings]');
    },
    form: '[data-test=unit-settings]',
    submit: '[data-test=settings-save]',
    fillValid: (page) => typeNumber(page, '[data-test=settings-min-ratio]', '10'),
    empty: (page) => typeNumber(page, '[data-test=settings-min-ratio]', ''),
    emptyMessages: { 'zh-CN': ['最低预留比例不能为空'], en: ['Minimum ratio is required'] },
    // Nothing else can be wrong: the ratio's input keeps to 0–100 (a percentage), the deadline is picked.
    wrong: [],
  },
  {
    name: 'reserved-share declaration (budget unit)',
    login: 'buyer@demo.shanhai',
    open: async (page) => {
      await page.goto('/unit');
      await page.waitForSelector('[data-test=declaration-form]');
    },
    form: '[data-test=declaration-form]',
    submit: '[data-test=decl-save]',
    // The demo unit's approved declaration fills the form; it is valid as it stands.
    fillValid: async () => {},
    empty: async (page) => {
      await typeNumber(page, '[data-test=decl-total]', '');
      await typeNumber(page, '[data-test=decl-ratio]', '');
    },
    emptyMessages: {
      'zh-CN': ['年度食堂食材采购总额不能为空', '预留比例不能为空'],
      en: ['Canteen food procurement this year is required', 'Reserved ratio is required'],
    },
    wrong: [
      {
        what: 'a ratio below the year’s minimum',
        server: true,
        act: (page) => typeNumber(page, '[data-test=decl-ratio]', '1'),
        expect: { 'zh-CN': '预留比例不能低于 10%', en: 'Reserved ratio must be at least 10%' },
      },
      {
        what: 'a shared canteen ticked, none picked',
        act: (page) => page.click('[data-test=decl-shared]'),
        expect: {
          'zh-CN': '选择申报食堂的单位不能为空',
          en: 'The unit that declares the canteen is required',
        },
      },
    ],
  },
];

/** Types a date into an Element Plus date picker and confirms it. */
async function pickDate(page: Page, selector: string, value: string) {
  await page.fill(selector, value);
  await page.press(selector, 'Enter');
  // Not Escape: inside a dialog it would close the dialog.
  await page.locator(selector).evaluate((el) => (el as HTMLInputElement).blur());
}

/** The messages now under the form's fields. */
const messages = (page: Page, form: string) => page.locator(`${form} .el-form-item__error`).allInnerTexts();

function expectOneLanguage(texts: string[], lang: Lang) {
  for (const text of texts) {
    expect(text, 'no field path').not.toMatch(/\b(body|query|params)\./);
    if (lang === 'zh-CN') expect(text, 'no English in the Chinese UI').not.toMatch(/[A-Za-z]{2,}/);
    else expect(text, 'no Chinese in the English UI').not.toMatch(/\p{Script=Han}/u);
  }
}

async function shot(page: Page, name: string) {
  mkdirSync(join(TEST_OUTPUT, 'forms'), { recursive: true });
  await page.screenshot({ path: join(TEST_OUTPUT, 'forms', `${name.replace(/[^\w-]+/g, '_')}.png`), fullPage: true });
}

async function openPage(lang: Lang, login: string | undefined, viewport?: Viewport) {
  const opened = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang, viewport });
  if (login) {
    await loginAs(opened.page, login);
    await opened.page.waitForSelector('[data-test=user-menu]');
  }
  return opened;
}

describe.each(['zh-CN', 'en'] as const)('forms in %s', (lang) => {
  for (const f of FORMS) {
    it(`${f.name}: an empty submit names every required field`, async () => {
      const { context, page } = await openPage(lang, f.login);
      screenshotOnFailure(page, `forms-${f.name}-${lang}-empty`);
      await f.open(page);
      await f.empty?.(page);
      await page.click(f.submit);
      await expect.poll(() => messages(page, f.form)).toEqual(f.emptyMessages[lang]);
      expectOneLanguage(await messages(page, f.form), lang);
      await shot(page, `${f.name}-${lang}-empty`);
      await context.close();
    });

    it(`${f.name}: each field wrong in turn gets its own message`, async () => {
      const { context, page } = await openPage(lang, f.login);
      screenshotOnFailure(page, `forms-${f.name}-${lang}-wrong`);
      for (const w of f.wrong) {
        await f.open(page);
        await f.fillValid(page);
        await w.act(page);
        await page.click(f.submit);
        await expect.poll(() => messages(page, f.form), { message: w.what }).toEqual([w.expect[lang]]);
        if (w.server) await shot(page, `${f.name}-${lang}-server`);
      }
      await context.close();
    });
  }

  it("the sales import's row errors speak the page's language (a GBK file, as Excel on Chinese Windows saves it)", async () => {
    const { context, page } = await openPage(lang, 'office@demo.shanhai');
    screenshotOnFailure(page, `forms-sales-import-${lang}`);
    await page.goto('/office/sales');
    await page.getByRole('tab', { name: lang === 'en' ? 'Import history' : '历史数据导入' }).click();
    // Five rows without a header, in GBK: four wrong in different ways, one right (大崑镇 88.50 元).
    await page.setInputFiles('[data-test=import-file]', {
      name: '历史销售.csv',
      mimeType: 'text/csv',
      buffer: readFileSync(new URL('./support/sales-import-gbk.csv', import.meta.url)),
    });
    await page.click('[data-test=import-preview]');
    const rows = page.locator('[data-test=import-errors] li');
    await expect.poll(() => rows.count()).toBe(5);
    const texts = await rows.allInnerTexts();
    expectOneLanguage(texts, lang);
    expect(texts).toEqual(
      lang === 'en'
        ? [
            expect.stringMatching(/^Row 1, “Date”: /),
            'Row 2, “Town”: matches no town of the programme: write its code or name',
            'Row 2, “Amount (yuan)”: must be an amount in yuan with at most two decimals',
            expect.stringMatching(/^Row 3, “Amount \(yuan\)”: /),
            expect.stringMatching(/^Row 4, “Category”: /),
          ]
        : [
            expect.stringMatching(/^第 1 行“日期”：/),
            '第 2 行“镇”：不是帮扶镇，请填写镇编号或镇名',
            '第 2 行“金额（元）”：应为金额（元），最多两位小数',
            expect.stringMatching(/^第 3 行“金额（元）”：/),
            expect.stringMatching(/^第 4 行“品类”：/),
          ],
    );
    // The right row was read from GBK (its town by its Chinese name), and its town is named in the page's language.
    await expect
      .poll(() => page.locator('[data-test=import-totals]').innerText())
      .toContain(lang === 'en' ? 'Dakun' : '大崑镇');
    // Nothing of a file with errors can be imported.
    expect(await page.locator('[data-test=import-commit]').isDisabled()).toBe(true);
    await shot(page, `sales-import-${lang}-row-errors`);
    await context.close();
  });

  it('checkout and the transfer form: empty and wrong fields', async () => {
    const coop = await suite.stack.api.pool.query<{ org_id: string }>(
      "select org_id from users where email = 'coop@demo.shanhai'",
    );
    const product = await createProduct(suite.stack.api.db, { cooperativeId: coop.rows[0]!.org_id, stock: 20 });
    const { context, page } = await openPage(lang, 'buyer@demo.shanhai');
    screenshotOnFailure(page, `forms-checkout-${lang}`);
    await page.goto('/cart');
    await page.fill('[data-test=import-csv]', `${product.id},2\n`);
    await page.click('[data-test=import-run]');
    await expect.poll(() => page.locator('[data-test=import-row]').count()).toBe(1);
    await page.click('[data-test=to-checkout]');
    await page.waitForSelector('[data-test=checkout-address]');
    await expect.poll(() => page.locator('[data-test=checkout-address]').inputValue()).not.toBe('');
    const form = '.page form';
    for (const [address, expected] of [
      ['', { 'zh-CN': '收货地址不能为空', en: 'Delivery address is required' }],
      ['广州', { 'zh-CN': '收货地址至少需要 4 个字符', en: 'Delivery address must be at least 4 characters' }],
    ] as const) {
      await page.fill('[data-test=checkout-address]', address);
      await page.click('[data-test=place-order]');
      await expect.poll(() => messages(page, form)).toEqual([expected[lang]]);
    }
    await shot(page, `checkout-${lang}-wrong`);
    await page.fill('[data-test=checkout-address]', '广州市天河区体育西路 1 号');
    await page.click('[data-test=place-order]');
    await page.waitForSelector('[data-test=transfer-form]');
    await typeNumber(page, '[data-test=transfer-amount]', '');
    await page.click('[data-test=submit-transfer]');
    await expect
      .poll(() => messages(page, '[data-test=transfer-form]'))
      .toEqual(
        lang === 'en'
          ? ['Amount transferred is required', 'Bank reference is required']
          : ['转账金额不能为空', '银行流水号不能为空'],
      );
    expectOneLanguage(await messages(page, '[data-test=transfer-form]'), lang);
    await shot(page, `transfer-${lang}-empty`);
    // Sent: the purchase says it waits for the office, without a reload.
    await typeNumber(page, '[data-test=transfer-amount]', '200');
    await page.fill('[data-test=transfer-reference]', 'FORMS-E2E-1');
    await page.click('[data-test=submit-transfer]');
    await expect
      .poll(() => page.locator('[data-test=purchase-status]').innerText())
      .toBe(lang === 'en' ? 'Transfer to be confirmed' : '待确认到账');
    await context.close();
  });

  it('prompts check what is typed: a stock change and a reason', async () => {
    const { context, page } = await openPage(lang, 'coop@demo.shanhai');
    screenshotOnFailure(page, `forms-prompts-${lang}`);
    await page.goto('/coop/products');
    await page.locator('[data-test=product-stock]').first().click();
    const box = page.locator('.prompt-stock');
    const error = box.locator('.el-message-box__errormsg');
    for (const [value, expected] of [
      ['a few', { 'zh-CN': '增减数量应为数字', en: 'Change must be a number' }],
      ['0', { 'zh-CN': '增减数量不能为 0', en: 'Change must not be zero' }],
      ['', { 'zh-CN': '增减数量不能为空', en: 'Change is required' }],
    ] as const) {
      await box.locator('input').fill(value);
      await box.locator('.el-message-box__btns .el-button--primary').click();
      await expect.poll(() => error.innerText()).toBe(expected[lang]);
    }
    await context.close();

    // A listing waiting for review, for the office to reject with a reason.
    const { rows } = await suite.stack.api.pool.query<{ org_id: string }>(
      "select org_id from users where email = 'coop2@demo.shanhai'",
    );
    const pending = await createProduct(suite.stack.api.db, {
      cooperativeId: rows[0]!.org_id,
      status: 'pending_review',
    });
    const office = await openPage(lang, 'office@demo.shanhai');
    await office.page.goto('/office');
    await office.page
      .locator('[data-test=listing-queue] tr', { hasText: pending.nameZh })
      .locator('[data-test=listing-reject]')
      .click();
    const reason = office.page.locator('.prompt-reject-reason');
    await reason.locator('input').fill('差');
    await reason.locator('.el-message-box__btns .el-button--primary').click();
    await expect
      .poll(() => reason.locator('.el-message-box__errormsg').innerText())
      .toBe(lang === 'en' ? 'Reason for rejecting must be at least 2 characters' : '驳回原因至少需要 2 个字符');
    await office.context.close();
  });
});

describe('forms on a phone', () => {
  it('sign-up messages sit under their fields at 390 px', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const { context, page } = await openPage(lang, undefined, MOBILE);
      await page.goto('/signup');
      await page.click('[data-test=signup-submit]');
      await expect.poll(() => messages(page, '[data-test=signup-form]').then((m) => m.length)).toBe(9);
      // Each message is below its own input and above the next field's label.
      const boxes = await page.locator('[data-test=signup-form] .el-form-item').evaluateAll((items) =>
        items.map((item) => {
          const error = item.querySelector('.el-form-item__error')?.getBoundingClientRect();
          return { bottom: item.getBoundingClientRect().bottom, errorBottom: error?.bottom ?? null };
        }),
      );
      for (const b of boxes) if (b.errorBottom !== null) expect(b.errorBottom).toBeLessThanOrEqual(b.bottom + 0.5);
      await shot(page, `sign-up-${lang}-phone`);
      await context.close();
    }
  });
});
