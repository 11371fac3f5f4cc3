import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CartImportRequest,
  CartImportResponse,
  CartResponse,
  decodeText,
  Problem,
  PutCartRequest,
} from '@shanhai/domain';
import { principalOf } from '../../plugins/auth';
import * as cart from './cart-service';

const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const cartRoutes: FastifyPluginAsyncZod = async (app) => {
  const buyerOnly = app.guard({ kinds: ['buyer'] });
  app.get(
    '/cart',
    {
      schema: {
        tags: ['cart'],
        summary: 'My cart with per-line checks and tier prices',
        ...guarded,
        response: { 200: CartResponse, ...problems },
      },
      preHandler: buyerOnly,
    },
    async (request) => cart.getCart(app.db, principalOf(request).userId),
  );
  app.put(
    '/cart',
    {
      schema: {
        tags: ['cart'],
        summary: 'Replace my cart; two lines of one product are summed',
        ...guarded,
        body: PutCartRequest,
        response: { 200: CartResponse, ...problems },
      },
      preHandler: buyerOnly,
    },
    async (request) => app.db.transaction((tx) => cart.putCart(tx, principalOf(request).userId, request.body)),
  );
  // An uploaded file may come as the raw body (`content-type: text/csv`) instead of JSON `{ csv }`,
  // in UTF-8 or in GBK/GB18030 as Excel on Chinese Windows saves it (read as bytes, then decoded).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer', bodyLimit: 200_000 }, (_req, body, done) =>
    done(null, { csv: decodeText(body as Buffer) }),
  );
  app.post(
    '/cart/import',
    {
      schema: {
        tags: ['cart'],
        summary:
          'Quick order: rows `product code, zh or en name, quantity[, unit]` (comma, full-width comma, tab or semicolon; a header row only if it names the columns) as JSON `{ csv }` or a text/csv body; per row what was understood or the field and rule that refused it',
        ...guarded,
        body: CartImportRequest,
        response: { 200: CartImportResponse, ...problems, 413: Problem },
      },
      preHandler: buyerOnly,
    },
    async (request) => {
      const userId = principalOf(request).userId;
      const rows = await app.db.transaction((tx) => cart.importCart(tx, userId, request.body.csv));
      return { rows, cart: await cart.getCart(app.db, userId) };
    },
  );
};

export default cartRoutes;
