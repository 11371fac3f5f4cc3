import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Runs helmet's middleware once against a recording response and returns the headers it sets.
 * Our options are static (no CSP nonces, no per-request functions), so every response gets the
 * same set; @fastify/helmet instead rebuilt the whole helmet middleware on every request, which
 * cost the hottest routes (the public leaderboard) a large share of their throughput.
 */
function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return headers;
}

/**
 * helmet for JSON and file answers, as OWASP's REST Security Cheat Sheet sets them: nothing may
 * load from or frame the answer (CSP `default-src 'none'; frame-ancestors 'none'`, X-Frame-Options
 * DENY), no MIME sniffing, HSTS, and no Referer. The headers that only guard a rendered HTML page
 * (COOP, Origin-Agent-Cluster, DNS prefetch, IE's download options, Flash's policy files, the
 * retired XSS auditor) are left out.
 */
const API_HELMET: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

interface SecurityHeadersOptions {
  /** helmet for the web app's pages and everything else outside `apiPrefix`. */
  helmet: HelmetOptions;
  /** Paths under this prefix answer JSON or files, never a page: they get API_HELMET. */
  apiPrefix: string;
}

/** helmet's security headers, computed once at start-up and set on every response. */
export default fp<SecurityHeadersOptions>(
  async (app, opts) => {
    const pages = helmetHeaders(opts.helmet);
    const api = helmetHeaders(API_HELMET);
    // Cross-origin resource policy and HSTS are the app's choice, page or not.
    for (const name of ['cross-origin-resource-policy', 'strict-transport-security']) {
      if (pages[name] === undefined) delete api[name];
      else api[name] = pages[name];
    }
    // A callback hook, not an async one: no promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(request.url.startsWith(opts.apiPrefix) ? api : pages);
      done();
    });
  },
  { name: 'security-headers' },
);
