import { ruleMessage, type FieldError, type RuleCode } from '@shanhai/domain';

/**
 * An error that becomes an RFC 9457 problem answer. Services throw these for conditions a client
 * can act on; anything else is a 500 whose message never leaves the server.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

/**
 * A field that breaks one of the rules clients word in their own language (field-messages.ts). There
 * is no free-text field error: an English sentence would reach the Chinese UI as "填写有误" and the
 * English UI as a developer's phrase, so every 400 about a field names a rule code.
 */
export const ruleBroken = (field: string, rule: RuleCode, params: Record<string, unknown> = {}) => {
  const message = ruleMessage(rule, 'en', params);
  return new HttpProblem(400, 'validation_failed', `${field} ${message}`, {
    errors: [{ field, message, code: rule, params }],
  });
};
export const unauthorized = (message = 'Authentication is required', code = 'unauthorized') =>
  new HttpProblem(401, code, message);
export const forbidden = (message = 'Your role does not allow this', code = 'forbidden') =>
  new HttpProblem(403, code, message);
export const notFound = (what = 'Resource') => new HttpProblem(404, 'not_found', `${what} not found`);
/** What a lookup found, or the 404 naming `what`: how a route answers a service's null. */
export function found<T>(value: T | null | undefined | false, what?: string): T {
  if (!value) throw notFound(what);
  return value;
}
export const conflict = (code: string, message: string, extra?: HttpProblem['extra']) =>
  new HttpProblem(409, code, message, extra);

/**
 * A computed amount that stored state would take past the safe range (a town's total, a settlement's
 * sum): 409 as for any state conflict, naming the field that would carry it, worded as a rule.
 */
export const amountConflict = (field: string) => {
  const message = ruleMessage('amount_too_large', 'en');
  return new HttpProblem(409, 'amount_out_of_range', `${field} ${message}`, {
    errors: [{ field, message, code: 'amount_too_large', params: {} }],
  });
};

/** A move the order state machine does not allow (for a purchase: the move of its orders). */
export const invalidTransition = (from: string, to: string) =>
  new HttpProblem(409, 'invalid_transition', `An order in status ${from} cannot move to ${to}`, { from, to });
