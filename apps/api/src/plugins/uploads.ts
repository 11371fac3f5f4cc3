import fp from 'fastify-plugin';
import { mkdir } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { MAX_UPLOAD_BYTES } from '../lib/uploads';

const ONE_YEAR = 365 * 24 * 3600;

/**
 * Multipart parsing for uploads, and /media/<sha256>.<ext> serving of stored files with
 * long-lived cache headers (the name changes whenever the content does).
 */
export default fp<{ dir: string }>(
  async (app, opts) => {
    await mkdir(opts.dir, { recursive: true });
    await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 8, fields: 20, fieldSize: 64 * 1024 } });
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
