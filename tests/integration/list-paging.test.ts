/**
 * Every list is paged (issue 13): each GET route of the OpenAPI document whose answer is a list (a
 * JSON array, or a page object with `items`) must take `cursor` and a capped `limit`, so a new list
 * cannot forget. No list is exempt: even a small one (an org's members, a campaign's shelf) or the
 * wall's ticker of the newest sales pages, so a client can always read every row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGE } from '@shanhai/domain';
import { createTestApp, type TestApp } from '../../apps/api/test-support/testing';
import type { Operation } from '../support/openapi';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
  await t.app.ready();
});
afterAll(() => t.close());

function listRoutes() {
  const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => {
    const op = ops.get;
    const answer = op?.responses?.['200']?.content?.['application/json']?.schema;
    if (!op || !answer) return [];
    // A page object has `items`; a single object that merely holds items (GET /statements/{id}) is
    // read by its id, so its path ends in a parameter.
    const isList =
      answer.type === 'array' ||
      (answer.properties?.items?.type === 'array' && (!!answer.properties.nextCursor || !path.endsWith('}')));
    return isList ? [{ route: `GET ${path}`, op }] : [];
  });
}

describe('every list route is paged by cursor and a capped limit', () => {
  it('declares cursor and limit (at most MAX_PAGE) on every list in the OpenAPI document', () => {
    const lists = listRoutes();
    expect(lists.length).toBeGreaterThan(10);
    const unpaged: string[] = [];
    for (const { route, op } of lists) {
      const query = new Map((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
      const limit = query.get('limit');
      const paged = query.has('cursor') && limit !== undefined && (limit.maximum ?? Infinity) <= MAX_PAGE;
      if (!paged) unpaged.push(route);
    }
    expect(unpaged).toEqual([]);
  });
});
