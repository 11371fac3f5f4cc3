import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';

const ONE_YEAR = 365 * 24 * 3600;

/**
 * Serves the built web app; files under /assets have content hashes in their names. The build
 * writes `.br` and `.gz` beside each text asset (apps/web/vite.config.ts): a client that accepts
 * brotli or gzip gets those bytes as they are, with no compression per request.
 */
export default fp<{ root: string }>(
  async (app, opts) => {
    await app.register(fastifyStatic, {
      root: opts.root,
      wildcard: true,
      index: ['index.html'],
      preCompressed: true,
      cacheControl: false,
      setHeaders(res, path) {
        res.header(
          'cache-control',
          /[\\/]assets[\\/]/.test(path) ? `public, max-age=${ONE_YEAR}, immutable` : 'no-cache',
        );
      },
    });
  },
  { name: 'web' },
);
