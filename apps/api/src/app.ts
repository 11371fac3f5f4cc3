import type { Telemetry } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiConfig } from './env';
import authPlugin, { routeAccessOf, type RouteAccess } from './plugins/auth';
import databasePlugin from './plugins/database';
import errorsPlugin, { frameworkErrors } from './plugins/errors';
import metricsPlugin from './plugins/metrics';
import openapiPlugin from './plugins/openapi';
import queuesPlugin from './plugins/queues';
import queueMetrics from './plugins/queue-metrics';
import readinessPlugin from './plugins/readiness';
import redisPlugin from './plugins/redis';
import securityHeadersPlugin from './plugins/security-headers';
import ssePlugin from './plugins/sse';
import webPlugin from './plugins/web';
import filesPlugin from './modules/files/files-routes';
import authRoutes from './modules/identity/auth-routes';
import orgsRoutes from './modules/identity/orgs-routes';
import productsRoutes from './modules/catalog/products-routes';
import searchRoutes from './modules/search/search-routes';
import opsRoutes from './modules/ops/ops-routes';
import regionsRoutes from './modules/regions/regions-routes';
import cartRoutes from './modules/cart/cart-routes';
import checkoutRoutes from './modules/checkout/checkout-routes';
import purchasesRoutes from './modules/purchases/purchases-routes';
import auditRoutes from './modules/audit/audit-routes';
import ordersRoutes from './modules/orders/orders-routes';
import paymentsRoutes from './modules/payments/payments-routes';
import bankStatementsRoutes from './modules/payments/bank-statements-routes';
import leaderboardLive from './modules/leaderboard/leaderboard-live';
import leaderboardRoutes from './modules/leaderboard/leaderboard-routes';
import notificationsLive from './modules/notifications/notifications-live';
import notificationsRoutes from './modules/notifications/notifications-routes';
import invoicesRoutes from './modules/invoices/invoices-routes';
import offlineSalesRoutes from './modules/offline-sales/offline-sales-routes';
import importsRoutes from './modules/imports/imports-routes';
import snapshotsRoutes from './modules/snapshots/snapshots-routes';
import unitsRoutes from './modules/units/units-routes';
import campaignsRoutes from './modules/campaigns/campaigns-routes';
import balancesRoutes from './modules/balances/balances-routes';
import settlementsRoutes from './modules/settlements/settlements-routes';
import bankChargesRoutes from './modules/bank-charges/bank-charges-routes';

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the access its guard declares, in registration order. */
    routeAccess: readonly RouteAccessEntry[];
  }
}

/** JSON bodies are small (files go through multipart); anything bigger is refused with 413. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * What Stripe.js and its Payment Element load, from Stripe's CSP guide; allowed only where card
 * payment is configured.
 */
const STRIPE_CSP = {
  script: ['https://js.stripe.com', 'https://*.js.stripe.com'],
  frame: ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
  connect: ['https://api.stripe.com', 'https://merchant-ui-api.stripe.com'],
  img: ['https://*.stripe.com'],
};

/** A client's X-Request-Id when it is a plain token, else a new UUID. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
}

/**
 * The api's pino options: JSON lines with the same fields as the worker's (apps/worker/src/log.ts),
 * named `api`, without credentials.
 */
export function loggerOptions(config: ApiConfig) {
  return {
    level: config.logLevel,
    name: 'api',
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
  };
}

export interface BuildOptions {
  /** pino options, or false to silence (tests). */
  logger?: boolean | object;
  /** BullMQ's OpenTelemetry bridge when tracing is on: each job carries its request's trace. */
  telemetry?: Telemetry | undefined;
}

/**
 * Builds the api. Order: external plugins, app plugins (decorators), then feature routes.
 * server.ts listens; tests call this and use app.inject.
 */
export async function buildApp(config: ApiConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Graceful shutdown: answers sent while closing ask the client to drop the keep-alive
  // connection, so that in-flight requests finish and the server can close without waiting
  // out the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A callback hook, not an async one: it runs on every response, and a promise each costs.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // External plugins.
  // helmet's headers on every response (computed once; see the plugin): the page set for the web
  // app, the API set for /api/.
  await app.register(securityHeadersPlugin, {
    apiPrefix: '/api/',
    helmet: {
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'blob:', ...(config.stripe ? STRIPE_CSP.img : [])],
          'connect-src': ["'self'", ...(config.stripe ? STRIPE_CSP.connect : [])],
          ...(config.stripe
            ? { 'script-src': ["'self'", ...STRIPE_CSP.script], 'frame-src': ["'self'", ...STRIPE_CSP.frame] }
            : {}),
        },
      },
      // The api and the web app share an origin; cross-origin embedding of images is not needed.
      crossOriginResourcePolicy: { policy: 'same-origin' },
    },
  });
  await app.register(errorsPlugin, { spa: Boolean(config.webDist) });
  await app.register(databasePlugin, { url: config.databaseUrl, max: config.databasePoolMax });
  await app.register(redisPlugin, { url: config.redisUrl, prefix: config.redisPrefix });
  // After the database: its tasks finish before the pool closes.
  await app.register(readinessPlugin);
  await app.register(rateLimit, {
    global: false,
    redis: app.redis,
    nameSpace: `${config.redisPrefix}:rl:`,
    // Rate limiting must not take logins down with Redis: without Redis, requests pass unlimited.
    skipOnError: true,
  });
  await app.register(openapiPlugin);
  await app.register(metricsPlugin, { token: config.metricsToken });

  // Every route's declared access (its guard), for docs/api.md's access table.
  const routeAccess: RouteAccessEntry[] = [];
  app.decorate('routeAccess', routeAccess);
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD' || (route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat())
      routeAccess.push({ method, url: route.url, access: routeAccessOf(route.preHandler) });
  });

  // App plugins.
  await app.register(authPlugin, { secret: config.jwtSecret });
  await app.register(queuesPlugin, { prefix: config.redisPrefix, telemetry: options.telemetry });
  await app.register(queueMetrics);
  await app.register(filesPlugin, { s3: config.s3 });
  await app.register(ssePlugin);
  await app.register(leaderboardLive, { prefix: config.redisPrefix });
  await app.register(notificationsLive, { prefix: config.redisPrefix });

  // Feature routes.
  await app.register(opsRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes, { loginLimits: config.loginLimits, refreshSecret: config.jwtSecret });
      await api.register(orgsRoutes);
      await api.register(regionsRoutes);
      await api.register(auditRoutes);
      await api.register(productsRoutes, { publicQueryLimit: config.publicQueryLimit });
      await api.register(searchRoutes, { publicQueryLimit: config.publicQueryLimit });
      await api.register(cartRoutes);
      await api.register(checkoutRoutes, { config });
      await api.register(purchasesRoutes, { config });
      await api.register(ordersRoutes, { config });
      await api.register(paymentsRoutes, { config });
      await api.register(bankStatementsRoutes);
      await api.register(leaderboardRoutes, { publicQueryLimit: config.publicQueryLimit });
      await api.register(offlineSalesRoutes);
      await api.register(importsRoutes);
      await api.register(snapshotsRoutes);
      await api.register(unitsRoutes);
      await api.register(balancesRoutes);
      await api.register(settlementsRoutes);
      await api.register(bankChargesRoutes);
      await api.register(notificationsRoutes);
      await api.register(campaignsRoutes);
      await api.register(invoicesRoutes);
    },
    { prefix: '/api/v1' },
  );

  if (config.webDist) await app.register(webPlugin, { root: config.webDist });
  return app;
}
