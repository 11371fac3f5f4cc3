import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '@shanhai/domain';
import audit from './messages/audit';

type Labels = Record<string, Record<string, string>>;

describe('the audit log’s labels', () => {
  // An action without a label shows as its raw key (settlement.create) on the office's page.
  it.each(['zh-CN', 'en'] as const)('names every audited action in %s', (lang) => {
    const actions = audit[lang].audit.actions as Labels;
    const missing = AUDIT_ACTIONS.filter((a) => {
      const [group, verb] = a.split('.') as [string, string];
      return !actions[group]?.[verb];
    });
    expect(missing).toEqual([]);
  });

  it('has the same fields, values and types in both languages where English needs a word', () => {
    const zh = audit['zh-CN'].audit;
    const en = audit.en.audit;
    expect(Object.keys(en.fields).sort()).toEqual(Object.keys(zh.fields).sort());
    expect(Object.keys(en.types).sort()).toEqual(Object.keys(zh.types).sort());
  });
});
