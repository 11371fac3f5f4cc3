import { z } from 'zod';
import { LoginResponse, Problem } from '@shanhai/domain';

/**
 * The one http client: attaches the access token, refreshes it once on a 401 (the refresh token
 * is an httpOnly cookie the browser sends), and parses every answer with the zod schema from
 * packages/domain, so a drifting server fails loudly here instead of deep in a view.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }
}

let accessToken: string | null = null;
let refreshing: Promise<LoginResponse | null> | null = null;
const listeners: ((session: LoginResponse | null) => void)[] = [];

export function setAccessToken(token: string | null) {
  accessToken = token;
}

/** Seconds before expiry at which a token is renewed rather than sent (clock skew, travel time). */
const TOKEN_MARGIN_S = 30;

function expiresAt(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return payload.exp ?? 0;
  } catch {
    return 0;
  }
}

/**
 * An access token good for a while yet (refreshed first when it is about to expire), or null
 * when nobody is logged in: for connections that cannot retry by themselves, like the live stream.
 */
export async function freshAccessToken(): Promise<string | null> {
  if (accessToken && expiresAt(accessToken) - Date.now() / 1000 > TOKEN_MARGIN_S) return accessToken;
  if (!accessToken) return null;
  return (await refreshSession())?.accessToken ?? null;
}

/** The auth store subscribes to learn about refreshed or ended sessions. */
export function onSessionChange(fn: (session: LoginResponse | null) => void) {
  listeners.push(fn);
}

/** Exchanges the refresh cookie for a new access token; concurrent callers share one attempt. */
export function refreshSession(): Promise<LoginResponse | null> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' });
      const session = res.ok ? LoginResponse.parse(await res.json()) : null;
      accessToken = session?.accessToken ?? null;
      listeners.forEach((fn) => fn(session));
      return session;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** A FormData body (uploads) is sent as multipart instead of JSON. */
  form?: FormData;
}

function url(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  return fetch(url(path, options.query), { method, headers, body, credentials: 'same-origin' });
}

async function problemOf(res: Response): Promise<Problem> {
  try {
    return Problem.parse(await res.json());
  } catch {
    return { type: 'about:blank', title: res.statusText || 'Error', status: res.status, code: 'http_error' };
  }
}

/** Sends, refreshing the session once on a 401; a failure becomes an ApiError. */
async function sendChecked(method: string, path: string, options: RequestOptions): Promise<Response> {
  let res = await send(method, path, options);
  if (res.status === 401 && accessToken !== null) {
    const session = await refreshSession();
    if (session) res = await send(method, path, options);
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res;
}

export async function request<S extends z.ZodType>(
  method: string,
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const res = await sendChecked(method, path, options);
  if (res.status === 204) return schema.parse(undefined);
  return schema.parse(await res.json());
}

/** One page of a list route: its rows and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of a plain-array list route (`cursor`, `limit`): the rows come as the body, the next
 * page's cursor in the `x-next-cursor` header (see the api's lib/cursor.ts).
 */
export async function getPage<S extends z.ZodType>(
  path: string,
  item: S,
  query: Query = {},
): Promise<Page<z.infer<S>>> {
  const res = await sendChecked('GET', path, { query });
  return { items: z.array(item).parse(await res.json()), nextCursor: res.headers.get('x-next-cursor') };
}

/** A file download (CSV/XLSX) with the token attached; the browser saves it. */
export async function download(path: string, query: Query, filename: string): Promise<void> {
  let res = await send('GET', path, { query, headers: { accept: '*/*' } });
  if (res.status === 401 && (await refreshSession()))
    res = await send('GET', path, { query, headers: { accept: '*/*' } });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  URL.revokeObjectURL(a.href);
}

export const http = {
  get: <S extends z.ZodType>(path: string, schema: S, query?: Query) => request('GET', path, schema, { query }),
  post: <S extends z.ZodType>(path: string, schema: S, body?: unknown, headers?: Record<string, string>) =>
    request('POST', path, schema, { body, headers }),
  put: <S extends z.ZodType>(path: string, schema: S, body?: unknown) => request('PUT', path, schema, { body }),
  patch: <S extends z.ZodType>(path: string, schema: S, body?: unknown) => request('PATCH', path, schema, { body }),
  del: <S extends z.ZodType>(path: string, schema: S) => request('DELETE', path, schema),
};

export const NoContent = z.undefined();

/**
 * Every row of a paged list, page after page: a picker's options or a queue's count, where the first
 * page alone would silently cut the list short. `fetchPage` should ask for the api's largest page.
 */
export async function allItems<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}
