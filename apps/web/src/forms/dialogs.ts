import type { VNode } from 'vue';
import { ElMessageBox } from 'element-plus';
import type { z } from 'zod';
import { labelled, type MessageLang } from '@shanhai/domain';
import { i18n } from '@/i18n';

/**
 * One text asked for in a dialog (a reason, a note), checked with the field's zod contract as the
 * reader types: the message says what is wrong in their language, after the field's label.
 * Resolves to the checked value; rejects with 'cancel' or 'close' like ElMessageBox.
 */
/** "12" → 12, "-3" → -3; anything else stays text, so the contract says it must be a number. */
export const wholeNumber = (s: string): unknown => (/^[-+]?\d+$/.test(s) ? Number(s) : s);
/** "12.5" → 12.5 (元), for amounts typed in yuan. */
export const decimalNumber = (s: string): unknown => (/^[-+]?\d+(\.\d+)?$/.test(s) ? Number(s) : s);

export async function promptField<S extends z.ZodType>(options: {
  title: string;
  /** The field's name, which the messages follow ("到账金额不能为空"). */
  label: string;
  /** What the dialog says above the input; the label by default. */
  hint?: string;
  schema: S;
  value?: string;
  /** Text → what the contract takes (a number, say); an empty answer is always "missing". */
  convert?: (text: string) => unknown;
  testId?: string;
}): Promise<z.output<S>> {
  const lang = i18n.global.locale.value as MessageLang;
  const convert = options.convert ?? ((s: string) => s);
  const check = (v: string) => options.schema.safeParse(v.trim() === '' ? undefined : convert(v.trim()));
  const { value } = await ElMessageBox.prompt(options.hint ?? options.label, options.title, {
    inputValue: options.value ?? '',
    inputValidator: (v: string) => {
      const r = check(v ?? '');
      return r.success || labelled(options.label, r.error.issues[0]!.message, lang);
    },
    confirmButtonText: i18n.global.t('common.confirm'),
    cancelButtonText: i18n.global.t('common.cancel'),
    customClass: options.testId ? `prompt-${options.testId}` : undefined,
  });
  return check(value).data as z.output<S>;
}

/**
 * Asks before a step that cannot be undone (approve, mark delivered, 验收, cancel); rejects with
 * 'cancel' when the reader thinks again. `message` may be a VNode (a preview of what is approved).
 */
export async function confirmStep(options: {
  title: string;
  message: string | VNode;
  confirm: string;
  danger?: boolean;
  testId?: string;
}): Promise<void> {
  await ElMessageBox.confirm(options.message, options.title, {
    confirmButtonText: options.confirm,
    cancelButtonText: i18n.global.t('common.cancel'),
    type: options.danger ? 'warning' : 'info',
    confirmButtonClass: options.danger ? 'el-button--danger' : undefined,
    customClass: options.testId ? `confirm-${options.testId}` : undefined,
  });
}
