import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  /** An S3_URL for the api (path-style, with a key prefix). */
  url: string;
  endpoint: string;
  bucket: string;
  /** Object keys written so far (PutObject), in order. */
  puts: string[];
  stop(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) on a free loopback port, storing in a temporary folder: the
 * network boundary of the S3 driver, as the fake Stripe is for payments.
 */
export async function startS3(bucket = 'shanhai-files', prefix = 'uploads'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'shanhai-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const puts: string[] = [];
  server.on('event', (e: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
    for (const r of e.Records) if (r.eventName.startsWith('ObjectCreated')) puts.push(r.s3.object.key);
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    url: `http://S3RVER:S3RVER@127.0.0.1:${port}/${bucket}/${prefix}?path_style=true`,
    endpoint,
    bucket,
    puts,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
