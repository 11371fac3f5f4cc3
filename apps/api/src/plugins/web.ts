import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';

const ONE_YEAR = 365 * 24 * 3600;

/** Serves the built web app; files under /assets have content hashes in their names. */
export default fp<{ root: string }>(
  async (app, opts) => {
    await app.register(fastifyStatic, {
      root: opts.root,
      wildcard: true,
      index: ['index.html'],
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
