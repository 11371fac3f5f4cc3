import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { HttpProblem } from '../../lib/problem';
import { checkUpload, EVIDENCE_TYPES, IMAGE_TYPES, MAX_UPLOAD_BYTES } from '../../lib/uploads';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  multipartBody,
  TINY_PNG,
  type Session,
  type TestApp,
} from '../../../test-support/testing';

const apiDir = fileURLToPath(new URL('../../..', import.meta.url));
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let t: TestApp;
let coop: Session;
beforeAll(async () => {
  t = await createTestApp({ template: 'demo' });
  coop = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
});
afterAll(async () => {
  await t.close();
});

const multipart = (name: string, bytes: Buffer, type = 'image/png') => multipartBody({}, { name, bytes, type });
async function uploadPhoto(s: Session, bytes: Buffer) {
  const m = multipart('photo.png', bytes);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/products/photos',
    payload: m.payload,
    headers: { ...m.headers, ...bearer(s.token) },
  });
}
async function problemOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpProblem) return { status: e.status, errors: e.extra.errors };
    throw e;
  }
  throw new Error('expected a problem');
}

describe('file storage in PostgreSQL', () => {
  it('stores a photo once per content, however often and by whomever it is uploaded, and serves it cacheable forever', async () => {
    const other = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'daping' });
    const first = await uploadPhoto(coop, TINY_PNG);
    expect(first.statusCode, first.body).toBe(201);
    const name = `${sha(TINY_PNG)}.png`;
    expect(first.json()).toEqual({ url: `/media/${name}`, mime: 'image/png', size: TINY_PNG.length });
    expect((await uploadPhoto(coop, TINY_PNG)).json().url).toBe(`/media/${name}`);
    const stored = await t.app.files.store({
      bytes: TINY_PNG,
      allowed: IMAGE_TYPES,
      ownerOrgId: other.org.id,
      purpose: 'product_photo',
      visibility: 'public',
    });
    expect(stored.name).toBe(name);
    const blobs = await t.app.db
      .select()
      .from(schema.fileBlobs)
      .where(eq(schema.fileBlobs.sha256, sha(TINY_PNG)));
    expect(blobs.map((b) => ({ size: b.size, mime: b.mime, same: b.data?.equals(TINY_PNG) }))).toEqual([
      { size: TINY_PNG.length, mime: 'image/png', same: true },
    ]);
    const uploads = await t.app.db
      .select()
      .from(schema.files)
      .where(eq(schema.files.sha256, sha(TINY_PNG)));
    expect(uploads).toHaveLength(2);
    expect(uploads.find((u) => u.ownerOrgId === coop.orgId)).toMatchObject({
      purpose: 'product_photo',
      visibility: 'public',
      uploadedBy: coop.userId,
    });

    const res = await t.app.inject({ method: 'GET', url: `/media/${name}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.etag).toBe(`"${sha(TINY_PNG)}"`);
    expect(res.rawPayload.equals(TINY_PNG)).toBe(true);
    const again = await t.app.inject({
      method: 'GET',
      url: `/media/${name}`,
      headers: { 'if-none-match': res.headers.etag! },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
  });

  it('keeps evidence private: never from the public /media path, only to the office and the org that uploaded it', async () => {
    const office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
    const buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    const otherBuyer = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const stored = await t.app.files.store({
      bytes: PDF,
      allowed: EVIDENCE_TYPES,
      ownerOrgId: buyer.orgId,
      purpose: 'offline_evidence',
      visibility: 'private',
      uploadedBy: buyer.userId,
    });
    expect(stored).toEqual({
      name: `${sha(PDF)}.pdf`,
      url: `/api/v1/files/${sha(PDF)}.pdf`,
      mime: 'application/pdf',
      size: PDF.length,
    });
    // Not public, even to someone who knows the hash.
    expect((await t.app.inject({ method: 'GET', url: `/media/${stored.name}` })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/media/${stored.name}`, headers: bearer(office.token) })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: stored.url })).statusCode).toBe(401);
    // Another buyer org, and a cooperative, learn nothing: 404 as for a file that does not exist.
    for (const s of [otherBuyer, coop]) {
      const res = await t.app.inject({ method: 'GET', url: stored.url, headers: bearer(s.token) });
      expect(res.statusCode).toBe(404);
      expect(res.rawPayload.includes(Buffer.from('%PDF'))).toBe(false);
    }
    for (const s of [buyer, office]) {
      const res = await t.app.inject({ method: 'GET', url: stored.url, headers: bearer(s.token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      expect(res.rawPayload.equals(PDF)).toBe(true);
    }
  });

  it('serves public photos on the signed-in path too, and refuses a name that is not a stored name', async () => {
    const photo = Buffer.concat([TINY_PNG, Buffer.from('public-photo-signed-in')]);
    const up = await uploadPhoto(coop, photo);
    expect(up.statusCode, up.body).toBe(201);
    const name = `${sha(photo)}.png`;
    const buyer = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/files/${name}`, headers: bearer(buyer.token) })).statusCode,
    ).toBe(200);
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', `${sha(photo)}.exe`, 'x'.repeat(81)]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/files/${bad}`, headers: bearer(buyer.token) });
      expect([400, 404]).toContain(res.statusCode);
    }
  });

  it('checks the type by content: text named .jpg, or a PDF where only images go, is a 400 naming the field', async () => {
    expect(await problemOf(checkUpload(Buffer.from('this is not a jpeg at all'), IMAGE_TYPES, 'body.photo'))).toEqual({
      status: 400,
      errors: [
        {
          field: 'body.photo',
          message: 'must be one of JPG, PNG, WEBP (checked by content)',
          code: 'file_type',
          params: { kinds: 'JPG, PNG, WEBP' },
        },
      ],
    });
    expect(await problemOf(checkUpload(PDF, IMAGE_TYPES))).toEqual({
      status: 400,
      errors: [
        {
          field: 'body.file',
          message: 'must be one of JPG, PNG, WEBP (checked by content)',
          code: 'file_type',
          params: { kinds: 'JPG, PNG, WEBP' },
        },
      ],
    });
    expect(await checkUpload(PDF, EVIDENCE_TYPES)).toEqual({ mime: 'application/pdf', ext: 'pdf' });
    const res = await uploadPhoto(coop, PDF);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.file');
    const [{ n }] = (
      await t.app.db.execute<{ n: number }>(sql`select count(*)::int as n from file_blobs where sha256 = ${sha(PDF)}`)
    ).rows as [{ n: number }];
    expect(n).toBe(1); // only the evidence stored above; the refused photo added nothing
  });

  it('refuses empty and oversize files', async () => {
    expect((await problemOf(checkUpload(Buffer.alloc(0), IMAGE_TYPES))).errors).toEqual([
      { field: 'body.file', message: 'is empty', code: 'empty_file', params: {} },
    ]);
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(MAX_UPLOAD_BYTES)]);
    expect((await problemOf(checkUpload(big, IMAGE_TYPES))).errors).toEqual([
      { field: 'body.file', message: 'is larger than 5 MB', code: 'file_too_large', params: { max: 5 } },
    ]);
  });

  it('serves nothing but stored names under /media', async () => {
    for (const url of [
      '/media/../package.json',
      '/media/secrets.json',
      `/media/${'0'.repeat(64)}.png`,
      // A stored hash with another extension is not a stored name.
      `/media/${sha(TINY_PNG)}.jpg`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
  });
});

describe('moving a former UPLOAD_DIR into the storage (one command)', () => {
  it('imports referenced files with their owner and visibility, reports the rest, and imports nothing the second time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shanhai-old-uploads-'));
    try {
      const photo = Buffer.concat([TINY_PNG, Buffer.from('photo')]);
      const evidence = Buffer.from(PDF.toString().replace('%%EOF', '% evidence\n%%EOF'));
      const orphan = Buffer.concat([TINY_PNG, Buffer.from('orphan')]);
      const photoName = `${sha(photo)}.png`;
      const evidenceName = `${sha(evidence)}.pdf`;
      writeFileSync(join(dir, photoName), photo);
      writeFileSync(join(dir, evidenceName), evidence);
      writeFileSync(join(dir, `${sha(orphan)}.png`), orphan);
      writeFileSync(join(dir, `${'a'.repeat(64)}.png`), TINY_PNG);
      writeFileSync(join(dir, 'notes.txt'), 'not a stored name');

      const product = await createProduct(t.app.db, { cooperativeId: coop.orgId });
      await t.app.db
        .update(schema.products)
        .set({ photos: [`/media/${photoName}`] })
        .where(eq(schema.products.id, product.id));
      const office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
      const [town] = await t.app.db.select({ id: schema.towns.id }).from(schema.towns).limit(1);
      const [sale] = await t.app.db
        .insert(schema.offlineSales)
        .values({
          townId: town!.id,
          category: 'honey',
          amountFen: 100,
          businessDate: '2026-03-01',
          recordedBy: office.userId,
          recordedByOrgId: office.orgId,
        })
        .returning();
      await t.app.db
        .insert(schema.offlineSaleFiles)
        .values({ offlineSaleId: sale!.id, fileName: evidenceName, mime: 'application/pdf', size: evidence.length });

      const run = () => {
        const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/import-uploads.ts', dir], {
          cwd: apiDir,
          env: { DATABASE_URL: t.config.databaseUrl },
          encoding: 'utf8',
        });
        return { code: r.status, report: r.stdout ? JSON.parse(r.stdout) : r.stderr };
      };
      expect(run()).toEqual({
        code: 1,
        report: {
          driver: 'postgres',
          imported: [evidenceName, photoName].sort(),
          alreadyStored: [],
          unreferenced: [`${sha(orphan)}.png`],
          refused: [{ name: `${'a'.repeat(64)}.png`, reason: 'its bytes do not hash to its name' }],
        },
      });
      const rows = await t.app.db
        .select({
          sha256: schema.files.sha256,
          owner: schema.files.ownerOrgId,
          visibility: schema.files.visibility,
          purpose: schema.files.purpose,
        })
        .from(schema.files)
        .where(sql`${schema.files.sha256} in (${sha(photo)}, ${sha(evidence)})`);
      expect(rows.sort((a, b) => a.purpose.localeCompare(b.purpose))).toEqual([
        { sha256: sha(evidence), owner: office.orgId, visibility: 'private', purpose: 'offline_evidence' },
        { sha256: sha(photo), owner: coop.orgId, visibility: 'public', purpose: 'product_photo' },
      ]);
      const served = await t.app.inject({ method: 'GET', url: `/media/${photoName}` });
      expect(served.rawPayload.equals(photo)).toBe(true);

      expect(run().report).toMatchObject({ imported: [], alreadyStored: [evidenceName, photoName].sort() });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
