import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { variedQueryLimit } from '../../lib/rate-limit';
import { z } from 'zod';
import {
  QueueCount,
  CatalogQuery,
  CatalogResponse,
  OwnProduct,
  PageQuery,
  PhotoUploadResponse,
  Problem,
  ProductDetail,
  ProductInput,
  ProductPatch,
  RejectListingRequest,
  StockAdjustRequest,
} from '@shanhai/domain';
import { sendPage } from '../../lib/cursor';
import { found } from '../../lib/problem';
import { IMAGE_TYPES, readSingleFile } from '../../lib/uploads';
import { acceptUploads } from '../../plugins/uploads';
import { principalOf } from '../../plugins/auth';
import * as catalog from './catalog-service';
import * as products from './products-service';

const Params = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const tags = ['products'];

const productsRoutes: FastifyPluginAsyncZod<{ publicQueryLimit: { max: number; windowMs: number } }> = async (
  app,
  opts,
) => {
  /** After a committed change that may have notified: hand the notifications on now. */
  const thenNotify = async <T>(change: Promise<T>): Promise<T> => {
    const result = await change;
    await app.queues.notifySoon();
    return result;
  };
  await acceptUploads(app);
  const coop = app.guard({ kinds: ['cooperative'] });
  const office = app.guard({ kinds: ['office'] });

  app.get(
    '/products',
    {
      schema: {
        tags,
        summary: 'The public catalogue: listed products of active cooperatives, searchable, keyset-paged, with facets',
        querystring: CatalogQuery,
        response: { 200: CatalogResponse, 400: Problem, 429: Problem },
      },
      // Any query (a search, a filter, a page) can be varied without end: per-IP budget.
      config: variedQueryLimit(opts.publicQueryLimit, (request) => Object.keys(request.query as object).length > 0),
    },
    async (request) => catalog.searchCatalog(app.db, request.query),
  );

  app.get(
    '/products/mine',
    {
      schema: {
        tags,
        summary:
          "The caller's cooperative's products, drafts included, newest first; a page at a time (cursor, limit; the next cursor in x-next-cursor)",
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(OwnProduct), ...problems },
      },
      preHandler: coop,
    },
    async (request, reply) => sendPage(reply, await products.listMine(app.db, principalOf(request), request.query)),
  );

  // How many wait for review: the office home's badge, without reading every page.
  app.get(
    '/products/review-queue/count',
    {
      schema: {
        tags,
        summary: 'Office: how many submissions and edits wait for review, all of them rather than a page',
        ...guarded,
        response: { 200: QueueCount, ...problems },
      },
      preHandler: office,
    },
    async () => ({ count: await products.reviewQueueCount(app.db) }),
  );

  app.get(
    '/products/review-queue',
    {
      schema: {
        tags,
        summary:
          'Office: submissions and edits of listed products waiting for review, oldest first; a page at a time (cursor, limit; the next cursor in x-next-cursor)',
        ...guarded,
        querystring: PageQuery,
        response: { 200: z.array(OwnProduct), ...problems },
      },
      preHandler: office,
    },
    async (request, reply) => sendPage(reply, await products.reviewQueue(app.db, request.query)),
  );

  app.post(
    '/products/photos',
    {
      schema: {
        tags,
        summary: 'Upload a product photo (multipart field `file`; JPEG/PNG/WebP by content, ≤ 5 MB); returns its URL',
        ...guarded,
        consumes: ['multipart/form-data'],
        response: { 201: PhotoUploadResponse, ...problems },
      },
      preHandler: coop,
    },
    async (request, reply) => {
      const { buffer } = await readSingleFile(request);
      const who = principalOf(request);
      const stored = await app.files.store({
        bytes: buffer,
        allowed: IMAGE_TYPES,
        ownerOrgId: who.orgId,
        purpose: 'product_photo',
        visibility: 'public',
        uploadedBy: who.userId,
      });
      return reply.status(201).send({ url: stored.url, mime: stored.mime, size: stored.size });
    },
  );

  app.get(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'A product page: tier table, town and county, cooperative, certifications, stock',
        params: Params,
        response: { 200: ProductDetail, ...problems },
      },
      preHandler: app.optionalAuth(),
    },
    async (request) => found(await catalog.productDetail(app.db, request.params.id, request.principal), 'Product'),
  );

  app.get(
    '/products/:id/own',
    {
      schema: {
        tags,
        summary: 'A product with its status, rejection reason and pending edit (its cooperative, or the office)',
        ...guarded,
        params: Params,
        response: { 200: OwnProduct, ...problems },
      },
      preHandler: app.guard({ kinds: ['cooperative', 'office'] }),
    },
    async (request) => products.getOwn(app.db, principalOf(request), request.params.id),
  );

  app.post(
    '/products',
    {
      schema: {
        tags,
        summary: 'Create a draft product of the caller’s cooperative (credited to its town)',
        ...guarded,
        body: ProductInput,
        response: { 201: OwnProduct, ...problems },
      },
      preHandler: coop,
    },
    async (request, reply) =>
      reply.status(201).send(await products.createProduct(app.db, principalOf(request), request.body)),
  );

  app.patch(
    '/products/:id',
    {
      schema: {
        tags,
        summary:
          'Edit a product; a listed product’s name/MOQ/tiers wait for review while the approved version stays on sale',
        ...guarded,
        params: Params,
        body: ProductPatch,
        response: { 200: OwnProduct, ...problems },
      },
      preHandler: coop,
    },
    async (request) =>
      thenNotify(products.updateProduct(app.db, principalOf(request), request.params.id, request.body)),
  );

  app.post(
    '/products/:id/stock',
    {
      schema: {
        tags,
        summary: 'Adjust stock by a signed delta (no review)',
        ...guarded,
        params: Params,
        body: StockAdjustRequest,
        response: { 200: OwnProduct, ...problems },
      },
      preHandler: coop,
    },
    async (request) => products.adjustStock(app.db, principalOf(request), request.params.id, request.body.delta),
  );

  for (const action of ['submit', 'delist', 'relist'] as const) {
    app.post(
      `/products/:id/${action}`,
      {
        schema: {
          tags,
          summary: `Cooperative: ${action}`,
          ...guarded,
          params: Params,
          response: { 200: OwnProduct, ...problems, 409: Problem },
        },
        preHandler: coop,
      },
      async (request) => thenNotify(products.transition(app.db, principalOf(request), request.params.id, action, null)),
    );
  }

  app.post(
    '/products/:id/approve',
    {
      schema: {
        tags,
        summary: 'Office: approve a submission or a pending edit',
        ...guarded,
        params: Params,
        response: { 200: OwnProduct, ...problems, 409: Problem },
      },
      preHandler: office,
    },
    async (request) =>
      thenNotify(products.transition(app.db, principalOf(request), request.params.id, 'approve', null)),
  );

  app.post(
    '/products/:id/reject',
    {
      schema: {
        tags,
        summary: 'Office: reject a submission or a pending edit, with a reason',
        ...guarded,
        params: Params,
        body: RejectListingRequest,
        response: { 200: OwnProduct, ...problems, 409: Problem },
      },
      preHandler: office,
    },
    async (request) =>
      thenNotify(products.transition(app.db, principalOf(request), request.params.id, 'reject', request.body.reason)),
  );
};

export default productsRoutes;
