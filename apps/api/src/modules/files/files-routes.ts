import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { S3Location } from '../../env';
import { notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import type { Principal } from '../../types';
import { FileStorage, type FileRead } from './files-service';
import { pgString } from '@shanhai/domain';

declare module 'fastify' {
  interface FastifyInstance {
    /** Uploaded photos, evidence and invoices (PostgreSQL or S3); see files-service. */
    files: FileStorage;
  }
}

const ONE_YEAR = 365 * 24 * 3600;

interface FilesOptions {
  s3?: S3Location | undefined;
}

/** A private file is for the command office and the orgs that uploaded it; nobody else learns it exists. */
function mayRead(who: Principal, file: FileRead): boolean {
  return file.visibility === 'public' || who.orgKind === 'office' || file.ownerOrgIds.includes(who.orgId);
}

const routes: FastifyPluginAsyncZod<FilesOptions> = async (app, opts) => {
  // The S3 client is loaded only where it is configured: it is most of a cold start otherwise.
  const s3 = opts.s3 ? new (await import('./s3-blobs')).S3Blobs(opts.s3) : undefined;
  const storage = new FileStorage(app.db, s3);
  app.decorate('files', storage);
  app.addHook('onClose', async () => storage.close());

  // The name is the content's hash: the same URL never means other bytes, so answers are immutable.
  function send(request: FastifyRequest, reply: FastifyReply, file: FileRead) {
    const etag = `"${file.sha256}"`;
    reply
      .header('etag', etag)
      .header('cache-control', `${file.visibility}, max-age=${ONE_YEAR}, immutable`)
      .type(file.mime);
    if (request.headers['if-none-match'] === etag) {
      if (typeof file.body !== 'object' || !Buffer.isBuffer(file.body)) file.body.destroy();
      return reply.status(304).send();
    }
    reply.header('content-length', file.size);
    return reply.send(file.body);
  }
  const params = z.object({ name: pgString().max(80) });

  app.get(
    '/media/:name',
    {
      schema: {
        tags: ['files'],
        summary: 'A public file (product photo) by its content-addressed name (`<sha256>.<ext>`), cacheable forever',
        params,
      },
    },
    async (request, reply) => {
      const file = await storage.read(request.params.name);
      // Private files (evidence, invoices) are never served from the public path, whoever asks.
      if (!file || file.visibility !== 'public') throw notFound('File');
      return send(request, reply, file);
    },
  );

  app.get(
    '/api/v1/files/:name',
    {
      schema: {
        tags: ['files'],
        summary: 'A private file (evidence, invoice) for the office and the org that uploaded it',
        security: [{ bearer: [] }],
        params,
      },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      const file = await storage.read(request.params.name);
      if (!file || !mayRead(principalOf(request), file)) throw notFound('File');
      return send(request, reply, file);
    },
  );
};

export default fp(routes, { name: 'files', dependencies: ['database', 'auth'] });
