import type { Suite } from './suite';

/**
 * The browser tests' setup through the api of their stack (what a test does before or beside the
 * browser: record a sale, approve it, log in for a token, find a user's organisation). JSON in, JSON out; `suite.stack` is read
 * at call time, so this is made at the top of a file and used inside its tests.
 */
export function stackApi(suite: Suite) {
  async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
    const res = await fetch(`${suite.stack.baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return res.json() as Promise<Record<string, unknown>>;
  }
  /** A demo user's access token. */
  const tokenOf = async (email: string) =>
    String((await api('/auth/login', { method: 'POST', body: { email, password: 'shanhai-demo' } })).accessToken);
  /** The organisation of a demo user, read from the stack's database. */
  async function orgOf(email: string): Promise<string> {
    const { rows } = await suite.stack.api.pool.query<{ org_id: string }>('select org_id from users where email = $1', [
      email,
    ]);
    return rows[0]!.org_id;
  }
  return { api, tokenOf, orgOf };
}
