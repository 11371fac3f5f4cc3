import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { refreshSearchIndex } from '@shanhai/db';
import { Problem, SuggestQuery, Suggestions } from '@shanhai/domain';
import { variedQueryLimit } from '../../lib/rate-limit';
import * as search from './search-service';

const searchRoutes: FastifyPluginAsyncZod<{ publicQueryLimit: { max: number; windowMs: number } }> = async (
  app,
  opts,
) => {
  // Products whose search words are missing (written before this version, or by a writer that
  // did not index): indexed before the replica is ready (/readyz), so the catalogue it serves finds
  // every listed product. It runs after listen: on a large catalogue it would delay the start.
  app.startupTask('search-index', async () => {
    const n = await refreshSearchIndex(app.db);
    if (n > 0) app.log.info({ products: n }, 'search index caught up');
  });

  app.get(
    '/search/suggest',
    {
      schema: {
        tags: ['products'],
        summary: 'Suggestions while typing in the search box: products, towns, cooperatives and categories',
        querystring: SuggestQuery,
        response: { 200: Suggestions, 400: Problem, 429: Problem },
      },
      // Every keystroke is a new query: the same per-IP budget as the catalogue's searches.
      config: variedQueryLimit(opts.publicQueryLimit, () => true),
    },
    async (request) => search.suggest(app.db, request.query),
  );
};

export default searchRoutes;
