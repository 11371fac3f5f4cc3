import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { MAX_UPLOAD_BYTES } from '../lib/uploads';

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
