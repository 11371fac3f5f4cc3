import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AmountOutOfRange, issueMessage, ruleMessage, type FieldError, type Problem } from '@shanhai/domain';
import { HttpProblem } from '../lib/problem';

const CONTEXT_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  414: 'URI Too Long',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function fieldPath(context: string, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  return [CONTEXT_NAMES[context] ?? context, ...parts].join('.');
}

/** What a client needs to word an issue in its own language (field-messages.ts); the rest stays here. */
const ISSUE_PARAMS = [
  'origin',
  'minimum',
  'maximum',
  'inclusive',
  'exact',
  'expected',
  'format',
  'pattern',
  'divisor',
  'params',
];

/** What was sent at a field: `missing` (absent, null or blank), or its JSON type. */
function received(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'missing';
  return Array.isArray(value) ? 'array' : typeof value;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const part of instancePath.split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * zod issues → one entry per bad field, each with the issue's code and figures so that a client
 * words it in its reader's language; an unknown key is named as its own field.
 */
function validationErrors(
  error: FastifyError & {
    validation: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[];
  },
  request: FastifyRequest,
): FieldError[] {
  const context = error.validationContext ?? 'body';
  const sent = (request as unknown as Record<string, unknown>)[context];
  const out: FieldError[] = [];
  for (const v of error.validation) {
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params.keys)) {
      for (const key of v.params.keys as string[]) {
        const field = fieldPath(context, `${v.instancePath}/${key}`);
        out.push({ field, message: 'is not an accepted field', code: 'unrecognized_keys' });
      }
      continue;
    }
    const params: Record<string, unknown> = { received: received(valueAt(sent, v.instancePath)) };
    for (const k of ISSUE_PARAMS) if (v.params[k] !== undefined) params[k] = v.params[k];
    const message = issueMessage({ ...params, code: v.keyword }, 'en') ?? v.message ?? 'is invalid';
    out.push({ field: fieldPath(context, v.instancePath), message, code: v.keyword, params });
  }
  return out;
}

function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail?: string,
  extra: Record<string, unknown> = {},
) {
  const body: Problem & Record<string, unknown> = {
    type: code === 'internal' ? 'about:blank' : `https://shanhai.market/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
    requestId: request.id,
  };
  return reply.status(status).type('application/problem+json; charset=utf-8').send(body);
}

/**
 * Errors the router raises before any route (a malformed URL, a path parameter past
 * maxParamLength), as problem JSON like every other answer: pass as Fastify's `frameworkErrors`.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 400;
  const code = (error.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
  return sendProblem(reply, request, status, code, 'The address is malformed or too long', {
    ...(status === 400 ? { errors: [{ field: 'params', message: 'is malformed' }] } : {}),
  });
}

/**
 * A computed amount past the safe range (thrown by @shanhai/domain's checked arithmetic, or by the
 * driver reading back a bigint past it), or a value
 * PostgreSQL refused as out of its column's range (22003: integer or bigint out of range): the
 * last guard behind the checks in the services, so such a request is a 4xx, never a 500. The
 * transaction it ran in has rolled back.
 */
function amountOutOfRange(error: unknown): AmountOutOfRange | null {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  // drizzle wraps what the driver threw (a bigint past the safe range read back, say) in `cause`.
  for (const x of [e, e.cause]) if (x instanceof AmountOutOfRange) return x;
  if ((e.cause ?? e).code === '22003') return new AmountOutOfRange('out of its column’s range');
  return null;
}

/**
 * The one error handler: every failure leaves as problem JSON. Client errors name what was wrong;
 * a 5xx says only that something failed (the log keeps the details with the request id).
 */
export default fp<{ spa: boolean }>(
  async (app, opts) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) {
        return sendProblem(reply, request, error.status, error.code, error.message, error.extra);
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = validationErrors(error as never, request);
        const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
        return sendProblem(reply, request, 400, 'validation_failed', detail, { errors });
      }
      const outOfRange = amountOutOfRange(error);
      if (outOfRange) {
        if (outOfRange.field) {
          const message = ruleMessage('amount_too_large', 'en');
          return sendProblem(reply, request, 400, 'validation_failed', `${outOfRange.field} ${message}`, {
            errors: [{ field: outOfRange.field, message, code: 'amount_too_large', params: {} }],
          });
        }
        return sendProblem(
          reply,
          request,
          409,
          'amount_out_of_range',
          'An amount or a count would pass what can be recorded; nothing was changed',
        );
      }
      const status = error.statusCode ?? 500;
      if (status === 429) {
        return sendProblem(reply, request, 429, 'rate_limited', 'Too many attempts; try again later.');
      }
      if (status >= 400 && status < 500) {
        // Fastify's own client errors (body too large, bad JSON, prototype poisoning, …) carry safe messages.
        const code = (error.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
        // A 400 of Fastify's is about the body (bad JSON, an empty body, a poisoned key): say so.
        const extra = status === 400 ? { errors: [{ field: 'body', message: error.message }] } : {};
        return sendProblem(reply, request, status, code, error.message, extra);
      }
      request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
      return sendProblem(
        reply,
        request,
        status >= 500 ? status : 500,
        'internal',
        'Something went wrong on our side; the request id helps us find it.',
      );
    });

    app.setNotFoundHandler((request, reply) => {
      // The web app routes on the client: any other GET for a page gets index.html.
      const isPage =
        request.method === 'GET' &&
        !/^\/(api|docs|admin)(\/|$)/.test(request.url) &&
        (request.headers.accept ?? '').includes('text/html');
      if (opts.spa && isPage) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      return sendProblem(reply, request, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
    });
  },
  { name: 'errors' },
);
