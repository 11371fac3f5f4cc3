import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProblem } from './problem';
import { createTestApp, TINY_PNG, type TestApp } from '../testing';
import { EVIDENCE_TYPES, IMAGE_TYPES, MAX_UPLOAD_BYTES, storeFile } from './uploads';

let dir: string;
let t: TestApp;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shanhai-uploads-'));
  t = await createTestApp({ template: 'empty', config: { uploadDir: dir } });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function problemOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpProblem) return { status: e.status, errors: e.extra.errors };
    throw e;
  }
  throw new Error('expected a problem');
}

describe('uploads', () => {
  it('stores an image by content hash, once, and serves it with an immutable cache header', async () => {
    const a = await storeFile(dir, TINY_PNG, IMAGE_TYPES);
    const b = await storeFile(dir, TINY_PNG, IMAGE_TYPES);
    expect(a).toEqual({
      name: expect.stringMatching(/^[0-9a-f]{64}\.png$/),
      url: `/media/${a.name}`,
      mime: 'image/png',
      size: TINY_PNG.length,
    });
    expect(b.name).toBe(a.name);
    expect(readdirSync(dir)).toEqual([a.name]);
    const res = await t.app.inject({ method: 'GET', url: a.url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.rawPayload.equals(TINY_PNG)).toBe(true);
  });

  it('checks the type by content: text named .jpg, or a PDF where only images go, is a 400 naming the field', async () => {
    expect(
      await problemOf(storeFile(dir, Buffer.from('this is not a jpeg at all'), IMAGE_TYPES, 'body.photo')),
    ).toEqual({
      status: 400,
      errors: [{ field: 'body.photo', message: 'must be one of JPG, PNG, WEBP (checked by content)' }],
    });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    expect((await problemOf(storeFile(dir, pdf, IMAGE_TYPES))).status).toBe(400);
    expect((await storeFile(dir, pdf, EVIDENCE_TYPES)).mime).toBe('application/pdf');
  });

  it('refuses empty and oversize files', async () => {
    expect((await problemOf(storeFile(dir, Buffer.alloc(0), IMAGE_TYPES))).errors).toEqual([
      { field: 'body.file', message: 'is empty' },
    ]);
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(MAX_UPLOAD_BYTES)]);
    expect((await problemOf(storeFile(dir, big, IMAGE_TYPES))).errors).toEqual([
      { field: 'body.file', message: 'is larger than 5 MB' },
    ]);
  });

  it('serves nothing but stored names under /media', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/media/../package.json' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/media/secrets.json' })).statusCode).toBe(404);
  });
});
