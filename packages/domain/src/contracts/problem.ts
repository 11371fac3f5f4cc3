import { z } from 'zod';

/** RFC 9457 problem details, the body of every 4xx and 5xx answer. */
export const FieldError = z.object({
  /** Where the bad value is: `body.email`, `query.year`, `params.id`, `body.tiers.1.minQty`. */
  field: z.string(),
  /** In English; clients in other languages word it from `code` and `params` (see field-messages.ts). */
  message: z.string(),
  /** The zod issue code (`too_small`, `invalid_format`, …) or a service rule (`already_registered`, …). */
  code: z.string().optional(),
  /** What the message needs: `minimum`, `maximum`, `origin`, `format`, `received`, a rule's figures. */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type FieldError = z.infer<typeof FieldError>;

/** Open: a problem may carry extra members (e.g. `orgStatus`, `lines`) that clients can use. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  /** Stable machine-readable reason, e.g. `validation_failed`, `org_not_active`, `invalid_transition`. */
  code: z.string(),
  detail: z.string().optional(),
  errors: z.array(FieldError).optional(),
  requestId: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;
