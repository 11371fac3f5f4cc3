import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { parseS3Url } from '@shanhai/api/env';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  multipartBody,
  TINY_PNG,
  type TestApp,
} from '../../apps/api/test-support/testing';
import { startS3, type TestS3 } from '../support/s3-server';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let s3: TestS3;
let t: TestApp;
beforeAll(async () => {
  s3 = await startS3();
  t = await createTestApp({ template: 'demo', config: { s3: parseS3Url(s3.url) } });
});
afterAll(async () => {
  await t?.close();
  await s3?.stop();
});

async function upload(token: string, bytes: Buffer) {
  const { payload, headers } = multipartBody({}, { name: 'a.png', bytes, type: 'image/png' });
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/products/photos',
    payload,
    headers: { ...headers, ...bearer(token) },
  });
}

describe('file storage in an S3-compatible store (S3_URL)', () => {
  it('reads the S3_URL: endpoint, bucket, key prefix, path style and URL-encoded credentials', () => {
    expect(
      parseS3Url('https://AK%2F1:S%2BK@oss-cn-guangzhou.aliyuncs.com/shanhai/a/b?region=oss-cn-guangzhou'),
    ).toEqual({
      endpoint: 'https://oss-cn-guangzhou.aliyuncs.com',
      bucket: 'shanhai',
      keyPrefix: 'a/b/',
      region: 'oss-cn-guangzhou',
      accessKeyId: 'AK/1',
      secretAccessKey: 'S+K',
      forcePathStyle: false,
    });
  });

  it('puts the bytes in the bucket once per content, keeps the metadata in PostgreSQL, and serves them through the api', async () => {
    expect(t.app.files.driver).toBe('s3');
    const coop = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
    const photo = Buffer.concat([TINY_PNG, Buffer.from('s3 photo')]);
    const first = await upload(coop.token, photo);
    expect(first.statusCode, first.body).toBe(201);
    const again = await upload(coop.token, photo);
    expect(again.json().url).toBe(first.json().url);
    expect(s3.puts).toEqual([`uploads/${sha(photo)}`]);

    const [blob] = await t.app.db
      .select()
      .from(schema.fileBlobs)
      .where(eq(schema.fileBlobs.sha256, sha(photo)));
    expect({ data: blob!.data, size: blob!.size, mime: blob!.mime }).toEqual({
      data: null,
      size: photo.length,
      mime: 'image/png',
    });
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `uploads/${sha(photo)}` }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(photo)).toBe(true);
    client.destroy();

    const res = await t.app.inject({ method: 'GET', url: first.json().url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(photo.length));
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.rawPayload.equals(photo)).toBe(true);
  });

  it('still serves files stored in PostgreSQL before S3 was configured', async () => {
    const coop = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
    const old = Buffer.concat([TINY_PNG, Buffer.from('before s3')]);
    await t.app.db
      .insert(schema.fileBlobs)
      .values({ sha256: sha(old), mime: 'image/png', size: old.length, data: old });
    await t.app.db
      .insert(schema.files)
      .values({ sha256: sha(old), ownerOrgId: coop.orgId, purpose: 'product_photo', visibility: 'public' });
    const res = await t.app.inject({ method: 'GET', url: `/media/${sha(old)}.png` });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(old)).toBe(true);
    expect(s3.puts).not.toContain(`uploads/${sha(old)}`);
  });
});
