/**
 * Test support for the sales modules (offline sales, imports, snapshots, pairings): a county with
 * one town on an empty database, the office, two buyer orgs and a cooperative, and calls with a
 * bearer token or none.
 */
import { createOrgWithUser, createUser } from '@shanhai/db/testing';
import { schema } from '@shanhai/db';
import { bearer, createTestApp, login, multipartBody, type TestApp } from './testing';

export interface SalesWorld {
  t: TestApp;
  townId: string;
  buyerOrgId: string;
  otherBuyerOrgId: string;
  /** Access tokens. */
  office: string;
  buyerManager: string;
  buyerMember: string;
  otherBuyer: string;
  coop: string;
}

export async function salesWorld(): Promise<SalesWorld> {
  const t = await createTestApp({ template: 'empty' });
  const db = t.app.db;
  const [county] = await db
    .insert(schema.counties)
    .values({ code: 'sx', nameZh: '测试县', nameEn: 'Test' })
    .returning();
  const [town] = await db
    .insert(schema.towns)
    .values({ code: 'sx-a', countyId: county!.id, nameZh: '甲镇', nameEn: 'Jia' })
    .returning();
  const o = await createOrgWithUser(db, { kind: 'office' });
  const b = await createOrgWithUser(db, { kind: 'buyer', role: 'manager' });
  const member = await createUser(db, { orgId: b.org.id, role: 'member' });
  const ob = await createOrgWithUser(db, { kind: 'buyer' });
  const c = await createOrgWithUser(db, { kind: 'cooperative', townCode: undefined });
  return {
    t,
    townId: town!.id,
    buyerOrgId: b.org.id,
    otherBuyerOrgId: ob.org.id,
    office: (await login(t.app, o.user.email)).token,
    buyerManager: (await login(t.app, b.user.email)).token,
    buyerMember: (await login(t.app, member.email)).token,
    otherBuyer: (await login(t.app, ob.user.email)).token,
    coop: (await login(t.app, c.user.email)).token,
  };
}

/** `testApp` is read at call time, so the calls can be made before `beforeAll` builds the app. */
export function tokenCalls(testApp: () => TestApp) {
  const post = (url: string, token: string | null, payload?: unknown) =>
    testApp().app.inject({
      method: 'POST',
      url,
      headers: token ? bearer(token) : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const get = (url: string, token: string | null) =>
    testApp().app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
  /** A multipart upload of one file in the field `file`. */
  const upload = (url: string, token: string, file: Buffer, filename = 'f.csv', type = 'text/csv') => {
    const m = multipartBody({}, { name: filename, bytes: file, type });
    return testApp().app.inject({
      method: 'POST',
      url,
      payload: m.payload,
      headers: { ...m.headers, ...bearer(token) },
    });
  };
  return { post, get, upload };
}
