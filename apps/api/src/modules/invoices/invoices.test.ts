import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, login, multipartBody, TINY_PNG, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, call, post, paid, placed } = shop(() => t);

beforeAll(async () => ({ t, office, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** A minimal ZIP (stored, no compression) holding the given files: an OFD package when one is `OFD.xml`. */
function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
const OFD = zip({ 'OFD.xml': '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>', 'Doc_0/Document.xml': '<x/>' });

const multipart = multipartBody;

const upload = (
  s: Session,
  invoiceId: string,
  fields: Record<string, string>,
  file: { name: string; bytes: Buffer; type: string } | undefined = {
    name: 'fp.pdf',
    bytes: PDF,
    type: 'application/pdf',
  },
  action: 'issue' | 'red-letter' = 'issue',
) => {
  const m = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/invoices/${invoiceId}/${action}`,
    headers: { ...bearer(s.token), ...m.headers },
    payload: m.payload,
  });
};

const SPECIAL = {
  invoiceAddress: '广州市越秀区府前路 1 号',
  invoicePhone: '020-83123456',
  invoiceBank: '中国工商银行广州越秀支行',
  invoiceBankAccount: '3602000109001234567',
};

/** A buyer with 专票 details in its settings and a paid order from cooperative A. */
async function paidOrder(opts: { special?: boolean } = {}) {
  const b = await buyer();
  if (opts.special !== false)
    expect((await call(b.s, ['PATCH', `/api/v1/orgs/${b.orgId}`, SPECIAL])).statusCode).toBe(200);
  const product = await createProduct(t.app.db, {
    cooperativeId: coopA.orgId,
    stock: 100,
    priceTiers: [{ minQty: 1, unitPriceFen: 12_345 }],
  });
  const p = await paid(b, [{ id: product.id, qty: 2 }], office);
  return { b, orderId: p.orders[0].id as string, purchaseId: p.id as string, ref: p.remittanceRef as string };
}

describe('requesting an invoice', () => {
  it('401, 403 for a cooperative, 404 for another buyer, 400 naming the field, 409 before payment', async () => {
    const { b, orderId } = await paidOrder();
    const other = await buyer();
    const url = `/api/v1/orders/${orderId}/invoice`;
    expect((await t.app.inject({ method: 'POST', url, payload: { kind: 'normal' } })).statusCode).toBe(401);
    expect((await post(coopA.s, url, { kind: 'normal' })).statusCode).toBe(403);
    expect((await post(other.s, url, { kind: 'normal' })).statusCode).toBe(404);
    expect((await call(other.s, ['GET', url, null])).statusCode).toBe(404);
    expect((await call(coopB.s, ['GET', url, null])).statusCode).toBe(404);
    const badKind = await post(b.s, url, { kind: 'gold' });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().errors[0].field).toBe('body.kind');
    const badTax = await post(b.s, url, { kind: 'normal', taxId: '12345' });
    expect(badTax.json().errors[0]).toMatchObject({ field: 'body.taxId' });
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const unpaid = await placed(b, [{ id: product.id, qty: 1 }]);
    const early = await post(b.s, `/api/v1/orders/${unpaid.orders[0].id}/invoice`, { kind: 'normal' });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('invoice_not_open');
    expect(await t.app.db.select().from(schema.invoices).where(eq(schema.invoices.orderId, orderId))).toEqual([]);
  });

  it('a 专票 takes its details from the org settings; the seller is told; the buyer, seller and office read it', async () => {
    const { b, orderId, purchaseId, ref } = await paidOrder();
    const res = await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'special' });
    expect(res.statusCode, res.body).toBe(201);
    const [org] = await t.app.db.select().from(schema.orgs).where(eq(schema.orgs.id, b.orgId));
    expect(res.json()).toMatchObject({
      orderId,
      purchaseId,
      ref,
      kind: 'special',
      status: 'requested',
      title: org!.invoiceTitle,
      taxId: '91440101MA5TESTX01',
      address: SPECIAL.invoiceAddress,
      phone: SPECIAL.invoicePhone,
      bankName: SPECIAL.invoiceBank,
      bankAccount: SPECIAL.invoiceBankAccount,
      orderTotalFen: 24_690,
      refundedFen: 0,
      dueFen: 24_690,
      documents: [],
    });
    for (const s of [b.s, coopA.s, office])
      expect((await call(s, ['GET', `/api/v1/orders/${orderId}/invoice`, null])).json().id).toBe(res.json().id);
    const told = await t.app.db
      .select({ kind: schema.notifications.kind, orgId: schema.notifications.orgId })
      .from(schema.notifications)
      .where(eq(schema.notifications.subjectId, res.json().id));
    expect(told).toEqual([{ kind: 'invoice.requested', orgId: coopA.orgId }]);
    const audit = await t.app.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, res.json().id));
    expect(audit).toEqual([{ action: 'invoice.request' }]);
  });

  it('a 专票 without the bank account anywhere is a 400 naming body.bankAccount; a 普票 needs none', async () => {
    const { b, orderId } = await paidOrder({ special: false });
    const res = await post(b.s, `/api/v1/orders/${orderId}/invoice`, {
      kind: 'special',
      address: '广州市某路 1 号',
      phone: '020-12345678',
      bankName: '中国银行',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      {
        field: 'body.bankAccount',
        message: 'is required for a special VAT invoice',
        code: 'special_invoice_field',
        params: {},
      },
    ]);
    const normal = await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'normal', title: '某某单位工会' });
    expect(normal.statusCode).toBe(201);
    expect(normal.json()).toMatchObject({ kind: 'normal', title: '某某单位工会', address: null, bankAccount: null });
  });

  it('one request per order: the same request twice at once creates one (201 and 409)', async () => {
    const { b, orderId } = await paidOrder();
    const member = await createUser(t.app.db, { orgId: b.orgId, role: 'member' });
    const m = await login(t.app, member.email);
    const res = await Promise.all([
      post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'special' }),
      post(m, `/api/v1/orders/${orderId}/invoice`, { kind: 'normal' }),
      post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'special' }),
    ]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(res.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual([
      'invoice_exists',
      'invoice_exists',
    ]);
    expect(await t.app.db.select().from(schema.invoices).where(eq(schema.invoices.orderId, orderId))).toHaveLength(1);
  });
});

describe('issuing, downloading and the red letter', () => {
  it('only the seller uploads; the file is checked by content; the amount must be the total less refunds', async () => {
    const { b, orderId } = await paidOrder();
    const inv = (await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'special' })).json();
    const ok = { invoiceNo: '24442000000012345678', amountFen: '24690' };
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/invoices/${inv.id}/issue` })).statusCode).toBe(401);
    expect((await upload(b.s, inv.id, ok)).statusCode).toBe(403);
    expect((await upload(office, inv.id, ok)).statusCode).toBe(403);
    expect((await upload(coopB.s, inv.id, ok)).statusCode).toBe(404);
    const png = await upload(coopA.s, inv.id, ok, { name: 'fp.pdf', bytes: TINY_PNG, type: 'application/pdf' });
    expect(png.statusCode).toBe(400);
    expect(png.json().errors[0].field).toBe('body.file');
    const notOfd = await upload(coopA.s, inv.id, ok, {
      name: 'fp.ofd',
      bytes: zip({ 'word/document.xml': '<w/>' }),
      type: 'application/ofd',
    });
    expect(notOfd.statusCode).toBe(400);
    expect(notOfd.json().errors[0].field).toBe('body.file');
    const wrong = await upload(coopA.s, inv.id, { ...ok, amountFen: '24000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0]).toMatchObject({
      field: 'body.amountFen',
      code: 'invoice_amount',
      params: { due: '246.90', dueFen: 24_690 },
    });
    const noNo = await upload(coopA.s, inv.id, { amountFen: '24690' });
    expect(noNo.json().errors[0].field).toBe('body.invoiceNo');
    // Nothing of the refused uploads was stored or recorded.
    expect(
      await t.app.db.select().from(schema.invoiceDocuments).where(eq(schema.invoiceDocuments.invoiceId, inv.id)),
    ).toEqual([]);
    expect(
      await t.app.db
        .select()
        .from(schema.files)
        .where(and(eq(schema.files.ownerOrgId, coopA.orgId), eq(schema.files.purpose, 'invoice'))),
    ).toEqual([]);

    const issued = await upload(coopA.s, inv.id, ok, {
      name: 'invoice.ofd',
      bytes: OFD,
      type: 'application/octet-stream',
    });
    expect(issued.statusCode, issued.body).toBe(200);
    expect(issued.json()).toMatchObject({
      status: 'issued',
      documents: [{ kind: 'blue', invoiceNo: '24442000000012345678', amountFen: 24_690, mime: 'application/ofd' }],
    });
    const again = await upload(coopA.s, inv.id, ok);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('invoice_wrong_status');

    // The buyer, the seller and the office download it; another buyer or cooperative cannot.
    const url = issued.json().documents[0].url;
    for (const s of [b.s, coopA.s, office]) {
      const res = await call(s, ['GET', url, null]);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/ofd');
      expect(res.headers['content-disposition']).toBe("attachment; filename*=UTF-8''invoice-24442000000012345678.ofd");
      expect(res.rawPayload.equals(OFD)).toBe(true);
    }
    const stranger = await buyer();
    expect((await call(stranger.s, ['GET', url, null])).statusCode).toBe(404);
    expect((await call(coopB.s, ['GET', url, null])).statusCode).toBe(404);
    // Nor through the files module: a private file is only its uploader's and the office's.
    const name = (
      await t.app.db.select().from(schema.invoiceDocuments).where(eq(schema.invoiceDocuments.invoiceId, inv.id))
    )[0]!.fileName;
    expect((await call(stranger.s, ['GET', `/api/v1/files/${name}`, null])).statusCode).toBe(404);

    const told = await t.app.db
      .select({ kind: schema.notifications.kind, orgId: schema.notifications.orgId })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.subjectId, inv.id), eq(schema.notifications.kind, 'invoice.issued')));
    expect(told).toEqual([{ kind: 'invoice.issued', orgId: b.orgId }]);
  });

  it('a refund after issuing flags a red-letter reissue; the red letter voids it; the office backlog shows the open ones by age', async () => {
    const { b, orderId } = await paidOrder();
    const inv = (await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'normal' })).json();
    const waiting = (await call(office, ['GET', '/api/v1/invoices/backlog', null])).json();
    expect(waiting.find((x: { id: string }) => x.id === inv.id)).toMatchObject({ status: 'requested', ageDays: 0 });
    expect((await call(coopA.s, ['GET', '/api/v1/invoices/backlog', null])).statusCode).toBe(403);
    expect((await call(b.s, ['GET', '/api/v1/invoices/backlog', null])).statusCode).toBe(403);
    expect((await upload(coopA.s, inv.id, { invoiceNo: '00000001', amountFen: '24690' })).statusCode).toBe(200);
    expect(
      (await call(office, ['GET', '/api/v1/invoices/backlog', null]))
        .json()
        .some((x: { id: string }) => x.id === inv.id),
    ).toBe(false);
    // Red letter before a refund: not asked for.
    expect(
      (await upload(coopA.s, inv.id, { invoiceNo: '00000002', amountFen: '-24690' }, undefined, 'red-letter')).json()
        .code,
    ).toBe('invoice_wrong_status');

    expect((await post(b.s, `/api/v1/orders/${orderId}/cancel`, { note: '不需要了' })).statusCode).toBe(200);
    const flagged = (await call(coopA.s, ['GET', `/api/v1/orders/${orderId}/invoice`, null])).json();
    expect(flagged).toMatchObject({ status: 'red_letter_required', refundedFen: 24_690, dueFen: 0 });
    expect(flagged.redLetterAt).toEqual(expect.any(String));
    expect(
      (await call(office, ['GET', '/api/v1/invoices/backlog', null]))
        .json()
        .find((x: { id: string }) => x.id === inv.id).status,
    ).toBe('red_letter_required');

    const wrong = await upload(coopA.s, inv.id, { invoiceNo: '00000002', amountFen: '24690' }, undefined, 'red-letter');
    expect(wrong.json().errors[0]).toMatchObject({ field: 'body.amountFen', params: { due: '-246.90' } });
    const red = await upload(coopA.s, inv.id, { invoiceNo: '00000002', amountFen: '-24690' }, undefined, 'red-letter');
    expect(red.statusCode, red.body).toBe(200);
    expect(red.json()).toMatchObject({
      status: 'voided',
      documents: [
        { kind: 'blue', amountFen: 24_690 },
        { kind: 'red', invoiceNo: '00000002', amountFen: -24_690 },
      ],
    });
    const actions = await t.app.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, inv.id))
      .orderBy(schema.auditLog.id);
    expect(actions.map((a) => a.action)).toEqual([
      'invoice.request',
      'invoice.issue',
      'invoice.red_letter_required',
      'invoice.red_letter',
    ]);
  });

  it('a refund before issuing voids a request for an order refunded whole', async () => {
    const { b, orderId } = await paidOrder();
    const inv = (await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'normal' })).json();
    expect((await post(b.s, `/api/v1/orders/${orderId}/cancel`, {})).statusCode).toBe(200);
    expect((await call(b.s, ['GET', `/api/v1/orders/${orderId}/invoice`, null])).json()).toMatchObject({
      id: inv.id,
      status: 'voided',
      dueFen: 0,
    });
  });

  it('lists are scoped: a buyer sees its own requests, a cooperative the ones it issues', async () => {
    const { b, orderId } = await paidOrder();
    const inv = (await post(b.s, `/api/v1/orders/${orderId}/invoice`, { kind: 'normal' })).json();
    expect((await call(b.s, ['GET', '/api/v1/invoices', null])).json().map((x: { id: string }) => x.id)).toEqual([
      inv.id,
    ]);
    const coopList = (await call(coopA.s, ['GET', '/api/v1/invoices?status=requested', null])).json();
    expect(coopList.some((x: { id: string }) => x.id === inv.id)).toBe(true);
    expect(
      (await call(coopB.s, ['GET', '/api/v1/invoices', null])).json().some((x: { id: string }) => x.id === inv.id),
    ).toBe(false);
    const c = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, c.user.email);
    expect((await call(s, ['GET', '/api/v1/invoices', null])).json()).toEqual([]);
  });
});
