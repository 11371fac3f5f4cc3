import { computed, ref, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import type { z } from 'zod';
import { fieldErrorMessage, labelled, type FieldError, type MessageLang } from '@shanhai/domain';
import { ApiError } from '@/api/http';

export type FormErrorOptions = (
  | {
      /** The label of the form item for a field key (`nameZh`, `priceTiers.1.minQty`), or undefined if the form has none. */
      label: (key: string) => string | undefined;
    }
  | {
      /** The form's field keys → their labels' message keys (`nameZh: 'listings.nameZh'`); other keys have no field. */
      labels: Record<string, string>;
    }
) & {
  /** A contract path (`owner.email`) → the form's key for it (`ownerEmail`); the path itself by default. */
  keyOf?: (path: string) => string;
};

interface Found {
  path: string;
  /** Worded now, in the reader's language. */
  predicate: () => string;
}

const stripContext = (field: string) => field.replace(/^(body|query|params|headers)\.?/, '');

/**
 * The errors a form shows under its fields (Element Plus `ElFormItem :error`), each worded after
 * the field's label in the reader's language: "密码至少需要 10 个字符". `check` validates a body
 * with the same zod contract the api uses (zod speaks the page's language: contract-language.ts);
 * `fromProblem` puts the api's field errors (a rule only the server can check, like an email
 * already registered) in the same places, worded from their codes. A language switch re-words them.
 */
export function useFormErrors(options: FormErrorOptions) {
  const { locale, t } = useI18n();
  const keyOf = options.keyOf ?? ((p: string) => p);
  const labelOf =
    'label' in options ? options.label : (key: string) => (options.labels[key] ? t(options.labels[key]) : undefined);
  const found = ref<Found[]>([]);
  let lastCheck: { schema: z.ZodType; value: unknown } | null = null;

  const errors = computed(() => {
    const lang = locale.value as MessageLang;
    const out: Record<string, string> = {};
    for (const f of found.value) {
      const key = keyOf(f.path);
      const label = labelOf(key);
      if (label !== undefined && !out[key]) out[key] = labelled(label, f.predicate(), lang);
    }
    return out;
  });
  /** Whether some error has no field on this form to show at (the caller then says so in general). */
  const unplaced = computed(() => found.value.some((f) => labelOf(keyOf(f.path)) === undefined));

  /** The parsed body, or null with the errors shown at their fields. */
  function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | null {
    lastCheck = { schema, value };
    const r = schema.safeParse(value);
    found.value = r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), predicate: () => i.message }));
    return r.success ? r.data : null;
  }

  /** Shows the api's field errors; false when the failure was not (only) about this form's fields. */
  function fromProblem(e: unknown): boolean {
    lastCheck = null;
    if (!(e instanceof ApiError) || !e.problem.errors?.length) return false;
    found.value = e.problem.errors.map((fe: FieldError) => ({
      path: stripContext(fe.field),
      predicate: () => fieldErrorMessage(fe, locale.value as MessageLang),
    }));
    return !unplaced.value;
  }

  function clear() {
    lastCheck = null;
    found.value = [];
  }
  /** The message for one field, for `:error`; a key also answers for errors below it (`priceTiers`). */
  const err = (key: string): string | undefined =>
    errors.value[key] ?? Object.entries(errors.value).find(([k]) => k.startsWith(`${key}.`))?.[1];

  // zod worded the browser's issues in the old language: check again; the api's are re-worded.
  watch(locale, () => {
    if (lastCheck) check(lastCheck.schema, lastCheck.value);
    else found.value = [...found.value];
  });
  return { errors, err, check, fromProblem, clear, unplaced };
}
