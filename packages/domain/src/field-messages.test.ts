import { describe, expect, it } from 'vitest';
import { type z } from 'zod';
import { OrgSignupRequest, ProductInput } from './contracts/index';
import { contractErrorMap, fieldErrorMessage, labelled, ruleMessage } from './field-messages';

const issues = (schema: z.ZodType, value: unknown, lang: 'zh-CN' | 'en') =>
  Object.fromEntries(
    schema.safeParse(value, { error: contractErrorMap(lang) }).error!.issues.map((i) => [i.path.join('.'), i.message]),
  );

describe('field messages', () => {
  const signup = {
    kind: 'buyer',
    name: 'A',
    contactName: '',
    contactPhone: 'call me',
    address: '广州',
    invoiceTitle: '某单位',
    taxId: '91440101MA5ABCDE1',
    owner: { email: 'not-an-email', name: '王', password: 'short' },
  };
  it('words each contract rule in Chinese, with no English or field paths', () => {
    expect(issues(OrgSignupRequest, signup, 'zh-CN')).toEqual({
      name: '至少需要 2 个字符',
      contactName: '不能为空',
      contactPhone: '应为有效的电话号码',
      address: '至少需要 4 个字符',
      taxId: '应为 18 位，由数字和大写字母组成',
      'owner.email': '应为有效的电子邮箱地址',
      'owner.password': '至少需要 10 个字符',
    });
  });
  it('and in English', () => {
    expect(issues(OrgSignupRequest, signup, 'en')).toMatchObject({
      name: 'must be at least 2 characters',
      contactName: 'is required',
      taxId: 'must be 18 characters: digits and capital letters',
      'owner.password': 'must be at least 10 characters',
    });
    expect(issues(ProductInput, { category: 'honey', nameZh: '蜂蜜', moq: 0, priceTiers: [] }, 'en')).toMatchObject({
      unitLabel: 'is required',
      moq: 'must be at least 1',
      priceTiers: 'needs at least one entry',
    });
  });
  it('words an api field error from its code and params, the same as in the browser', () => {
    const tooShort = {
      field: 'body.owner.password',
      message: 'x',
      code: 'too_small',
      params: { origin: 'string', minimum: 10, inclusive: true, received: 'string' },
    };
    expect(fieldErrorMessage(tooShort, 'zh-CN')).toBe('至少需要 10 个字符');
    const missing = {
      field: 'body.name',
      message: 'x',
      code: 'invalid_type',
      params: { expected: 'string', received: 'missing' },
    };
    expect(fieldErrorMessage(missing, 'zh-CN')).toBe('不能为空');
    const taken = { field: 'body.email', message: 'is already registered', code: 'already_registered' };
    expect(fieldErrorMessage(taken, 'zh-CN')).toBe('已被注册');
    const tier = { field: 'body.priceTiers.0.minQty', message: 'x', code: 'first_tier_moq', params: { moq: 1000 } };
    expect(fieldErrorMessage(tier, 'en')).toBe('must equal the minimum order (1,000)');
    // An error without a code: the api's English for English readers, never English in Chinese.
    expect(fieldErrorMessage({ field: 'body.x', message: 'is odd' }, 'en')).toBe('is odd');
    expect(fieldErrorMessage({ field: 'body.x', message: 'is odd' }, 'zh-CN')).toBe('填写有误');
  });
  it('puts the label first', () => {
    expect(labelled('Password', 'must be at least 10 characters', 'en')).toBe(
      'Password must be at least 10 characters',
    );
    expect(labelled('密码', '至少需要 10 个字符', 'zh-CN')).toBe('密码至少需要 10 个字符');
    expect(labelled('登录密码（至少 10 位）', '不能为空', 'zh-CN')).toBe('登录密码不能为空');
    expect(labelled('Amount (¥)', 'is required', 'en')).toBe('Amount is required');
  });
});

describe('a rule that counts a unit', () => {
  it('counts it in English as the quantity says, and leaves Chinese and measures alone', () => {
    expect(ruleMessage('off_step', 'en', { moq: 10, unit: 'jar', orderStep: 5 })).toBe(
      'must be 10 jars plus a multiple of 5',
    );
    expect(ruleMessage('out_of_stock', 'en', { stock: 1, unit: 'box' })).toBe('is more than the 1 box in stock');
    expect(ruleMessage('below_moq', 'en', { moq: 3, unit: 'kg' })).toBe('is below the minimum order of 3 kg');
    expect(ruleMessage('not_whole', 'en', { unit: 'bird' })).toBe('must be a whole number of birds');
    expect(ruleMessage('off_step', 'en', { moq: 10, unit: '瓶', orderStep: 5 })).toBe(
      'must be 10 瓶 plus a multiple of 5',
    );
    expect(ruleMessage('off_step', 'zh-CN', { moq: 10, unit: '瓶', orderStep: 5 })).toBe(
      '应为起订量 10 瓶 加 5 的整数倍',
    );
  });
});
