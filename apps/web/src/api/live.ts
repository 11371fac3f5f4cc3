import { EventSource } from 'eventsource';
import { freshAccessToken, refreshSession } from './http';

/**
 * The tab's one live connection to the server (GET /api/v1/stream): leaderboard `changed`
 * events for everyone, and `notification` pings for a signed-in user. Every feature subscribes
 * here instead of opening its own EventSource; the connection is open while anyone listens and
 * is reopened when the user logs in or out. The `eventsource` package lets the request carry the
 * access token in a header (the browser's EventSource cannot), so no token ever sits in a URL.
 */
const STREAM_URL = '/api/v1/stream';

type Listener = (e: MessageEvent) => void;
const listeners = new Map<string, Set<Listener>>();
let source: EventSource | null = null;

function subscriberCount(): number {
  let n = 0;
  for (const set of listeners.values()) n += set.size;
  return n;
}

/** Adds the token, renewing it first; a 401 (a token revoked meanwhile) is retried once after a refresh. */
async function authedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const send = (token: string | null) =>
    fetch(input, {
      ...init,
      credentials: 'same-origin',
      headers: { ...(init?.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const token = await freshAccessToken();
  const res = await send(token);
  if (res.status !== 401 || !token) return res;
  const session = await refreshSession();
  return send(session?.accessToken ?? null);
}

function open() {
  const es = new EventSource(STREAM_URL, { fetch: authedFetch });
  for (const [type, set] of listeners) for (const fn of set) es.addEventListener(type, fn as EventListener);
  source = es;
}

function close() {
  source?.close();
  source = null;
}

/** Listens to one kind of event (`open` and `error` included); returns the function that stops it. */
export function subscribe(type: string, fn: Listener): () => void {
  let set = listeners.get(type);
  if (!set) listeners.set(type, (set = new Set()));
  set.add(fn);
  if (!source) open();
  else source.addEventListener(type, fn as EventListener);
  return () => {
    set.delete(fn);
    source?.removeEventListener(type, fn as EventListener);
    if (subscriberCount() === 0) close();
  };
}

/** Whether the connection is open now (a feature that subscribes late missed its `open` event). */
export function connected(): boolean {
  return source?.readyState === EventSource.OPEN;
}

/** Logging in or out changes what the stream may carry: reconnect with (or without) the token. */
export function reconnect() {
  if (!source) return;
  close();
  open();
}
