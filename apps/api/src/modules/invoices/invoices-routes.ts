import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Invoice,
  InvoiceBacklogItem,
  InvoiceListQuery,
  InvoiceRequestBody,
  InvoiceUploadFields,
  PageQuery,
  Problem,
  QueueCount,
} from '@shanhai/domain';
import { attachment } from '../../lib/csv';
import { sendPage } from '../../lib/cursor';
import { HttpProblem, found, notFound } from '../../lib/problem';
import { checkInvoiceFile, INVOICE_TYPES, readSingleFile } from '../../lib/uploads';
import { principalOf } from '../../plugins/auth';
import { acceptUploads } from '../../plugins/uploads';
import * as invoicesService from './invoices-service';

const IdParams = z.strictObject({ id: z.uuid() });
const DocumentParams = z.strictObject({ id: z.uuid(), documentId: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** Multipart text fields parsed like a JSON body would be: a 400 names `body.<field>`. */
function uploadFields(fields: Record<string, string>) {
  const parsed = InvoiceUploadFields.safeParse({ invoiceNo: fields.invoiceNo, amountFen: fields.amountFen });
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    field: `body.${i.path.join('.')}`,
    message: i.message,
    code: i.code,
  }));
  throw new HttpProblem(400, 'validation_failed', `${errors[0]!.field} ${errors[0]!.message}`, { errors });
}

/** Invoices (发票): the buyer requests one per order, the cooperative (the seller) uploads it. */
const invoicesRoutes: FastifyPluginAsyncZod = async (app) => {
  await acceptUploads(app);

  app.post(
    '/orders/:id/invoice',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Request the invoice of a paid order (普通发票 or 专票; missing fields from the org settings)',
        ...guarded,
        params: IdParams,
        body: InvoiceRequestBody,
        response: { 201: Invoice, ...problems, 409: Problem },
      },
      preHandler: app.guard({ kinds: ['buyer'] }),
    },
    async (request, reply) => {
      const i = await invoicesService.requestInvoice(app.db, principalOf(request), request.params.id, request.body);
      if (!i) throw notFound('Order');
      await app.queues.notifySoon();
      return reply.status(201).send(i);
    },
  );

  app.get(
    '/orders/:id/invoice',
    {
      schema: {
        tags: ['invoices'],
        summary: "An order's invoice request and its files (the buyer, the seller, the office)",
        ...guarded,
        params: IdParams,
        response: { 200: Invoice, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request) =>
      found(await invoicesService.invoiceOfOrder(app.db, principalOf(request), request.params.id), 'Invoice'),
  );

  app.get(
    '/invoices',
    {
      schema: {
        tags: ['invoices'],
        summary:
          "One's own invoices (a buyer's requests, a cooperative's to issue), oldest first, a page at a time (cursor, limit; the next cursor in x-next-cursor)",
        ...guarded,
        querystring: InvoiceListQuery.extend(PageQuery.shape),
        response: { 200: z.array(Invoice), ...problems },
      },
      preHandler: app.guard(),
    },
    async (request, reply) =>
      sendPage(reply, await invoicesService.listInvoices(app.db, principalOf(request), request.query)),
  );

  app.get(
    '/invoices/backlog',
    {
      schema: {
        tags: ['invoices'],
        summary:
          'Requested and not yet issued (or awaiting a red-letter reissue), the longest waiting first, a page at a time (cursor, limit; the next cursor in x-next-cursor) (office)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(InvoiceBacklogItem), ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request, reply) => sendPage(reply, await invoicesService.backlog(app.db, request.query)),
  );

  app.get(
    '/invoices/backlog/count',
    {
      schema: {
        tags: ['invoices'],
        summary: 'How many invoices the backlog holds, all of them rather than a page (office)',
        ...guarded,
        querystring: z.strictObject({}),
        response: { 200: QueueCount, ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async () => ({ count: await invoicesService.backlogCount(app.db) }),
  );

  for (const [action, red] of [
    ['issue', false],
    ['red-letter', true],
  ] as const) {
    app.post(
      `/invoices/:id/${action}`,
      {
        schema: {
          tags: ['invoices'],
          summary: red
            ? 'Upload the red-letter (红冲) invoice a refund asked for: amount = minus the invoice it cancels'
            : 'Upload the e-invoice (multipart: invoiceNo, amountFen = order total less refunds, then file: PDF or OFD)',
          consumes: ['multipart/form-data'],
          ...guarded,
          params: IdParams,
          response: { 200: Invoice, ...problems, 409: Problem },
        },
        preHandler: app.guard({ kinds: ['cooperative'] }),
      },
      async (request) => {
        const who = principalOf(request);
        const { buffer, fields } = await readSingleFile(request);
        const values = uploadFields(fields);
        // Checked before storing, so a wrong amount or status stores nothing; checked again under the lock.
        if (!(await invoicesService.prepareUpload(app.db, who, request.params.id, red, values)))
          throw notFound('Invoice');
        const stored = await app.files.store({
          bytes: buffer,
          allowed: INVOICE_TYPES,
          detect: checkInvoiceFile,
          ownerOrgId: who.orgId,
          purpose: 'invoice',
          visibility: 'private',
          uploadedBy: who.userId,
        });
        const i = await invoicesService.recordDocument(app.db, who, request.params.id, red, values, stored);
        if (!i) throw notFound('Invoice');
        await app.queues.notifySoon();
        return i;
      },
    );
  }

  app.get(
    '/invoices/:id/documents/:documentId/file',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Download an invoice file (the buyer, the seller and the office only)',
        ...guarded,
        params: DocumentParams,
      },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      const d = await invoicesService.documentFile(
        app.db,
        principalOf(request),
        request.params.id,
        request.params.documentId,
      );
      const file = d ? await app.files.read(d.fileName) : null;
      if (!d || !file) throw notFound('Invoice file');
      const ext = d.fileName.split('.').at(-1);
      const name = `${d.kind === 'red' ? 'red-' : ''}invoice-${d.invoiceNo}.${ext}`;
      return reply
        .header('content-type', file.mime)
        .header('content-length', file.size)
        .header('content-disposition', attachment(name))
        .header('cache-control', 'private, no-store')
        .send(file.body);
    },
  );
};

export default invoicesRoutes;
