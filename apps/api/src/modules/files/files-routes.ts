import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { S3Location } from '../../env';
import { notFound } from '../../lib/problem';
import { FileStorage, type FileRead } from './files-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Uploaded photos, evidence and invoices (PostgreSQL or S3); see files-service. */
    files: FileStorage;
  }
}

const ONE_YEAR = 365 * 24 * 3600;

/**
 * Who may read a private file. Today every stored name is readable by whoever has its URL (a
 * 256-bit hash), as before files moved to shared storage; restricting private files to their
 * owner orgs and the office replaces this one function.
 */
export type CanRead = (request: FastifyRequest, file: FileRead) => boolean | Promise<boolean>;
const anyoneWithTheUrl: CanRead = () => true;

export interface FilesOptions {
  s3?: S3Location | undefined;
  canRead?: CanRead;
}

const routes: FastifyPluginAsyncZod<FilesOptions> = async (app, opts) => {
  // The S3 client is loaded only where it is configured: it is most of a cold start otherwise.
  const s3 = opts.s3 ? new (await import('./s3-blobs')).S3Blobs(opts.s3) : undefined;
  const storage = new FileStorage(app.db, s3);
  app.decorate('files', storage);
  app.addHook('onClose', async () => storage.close());
  const canRead = opts.canRead ?? anyoneWithTheUrl;

  app.get(
    '/media/:name',
    {
      schema: {
        tags: ['files'],
        summary: 'An uploaded file by its content-addressed name (`<sha256>.<ext>`), cacheable forever',
        params: z.object({ name: z.string() }),
      },
    },
    async (request, reply) => {
      const file = await storage.read(request.params.name);
      if (!file || (file.visibility === 'private' && !(await canRead(request, file)))) throw notFound('File');
      // The name is the content's hash: the same URL never means other bytes.
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
    },
  );
};

export default fp(routes, { name: 'files', dependencies: ['database'] });
