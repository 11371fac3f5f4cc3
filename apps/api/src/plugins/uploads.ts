import fp from 'fastify-plugin';
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { MAX_UPLOAD_BYTES } from '../lib/uploads';

const ONE_YEAR = 365 * 24 * 3600;

/**
 * Multipart parsing, for the route plugins that take uploads (call it inside them). Not app-wide:
 * @fastify/multipart adds an async onRequest and onResponse hook to every route of the scope it
 * is registered in, which the routes without uploads (the public leaderboard first) would pay.
 */
export async function acceptUploads(scope: FastifyInstance): Promise<void> {
  await scope.register(multipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 8, fields: 20, fieldSize: 64 * 1024 },
  });
}

/**
 * /media/<sha256>.<ext> serving of stored files with long-lived cache headers (the name changes
 * whenever the content does).
 */
export default fp<{ dir: string }>(
  async (app, opts) => {
    await mkdir(opts.dir, { recursive: true });
    await app.register(fastifyStatic, {
      root: opts.dir,
      prefix: '/media/',
      decorateReply: false,
      index: false,
      wildcard: true,
      cacheControl: false,
      setHeaders(res) {
        res.header('cache-control', `public, max-age=${ONE_YEAR}, immutable`);
      },
      allowedPath: (pathName) => /^\/?[0-9a-f]{64}\.(jpg|png|webp|pdf)$/.test(pathName),
    });
  },
  { name: 'uploads' },
);
