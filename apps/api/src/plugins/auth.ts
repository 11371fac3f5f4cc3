import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import type { OrgKind, Role } from '@shanhai/domain';
import { forbidden, HttpProblem, unauthorized } from '../lib/problem';
import type { AccessClaims, Principal } from '../types';

const JWT_ISSUER = 'shanhai-market';
const JWT_AUDIENCE = 'shanhai-api';
export const ACCESS_TOKEN_SECONDS = 15 * 60;

interface GuardOptions {
  /** Org kinds allowed; all when omitted. */
  kinds?: OrgKind[];
  /** Roles allowed within the org; all when omitted. */
  roles?: Role[];
}

/**
 * Who a route lets in, as its guard declares it: `anyone`, `optional` (anyone; a token adds the
 * caller's own view) or `signed-in` with the kinds and roles of its guard. docs/api.md's access
 * table is generated from this (tests/integration/access-table.test.ts).
 */
export type RouteAccess =
  | { who: 'anyone' }
  | { who: 'optional' }
  | { who: 'signed-in'; kinds?: OrgKind[] | undefined; roles?: Role[] | undefined };

const ACCESS = Symbol('shanhai.route-access');
type Tagged = { [ACCESS]?: RouteAccess };

/** The access a route's preHandler declares: its guard's, or anyone when it has none. */
export function routeAccessOf(preHandler: unknown): RouteAccess {
  const hooks = Array.isArray(preHandler) ? preHandler : preHandler ? [preHandler] : [];
  for (const h of hooks) {
    const access = (h as Tagged)[ACCESS];
    if (access) return access;
  }
  return { who: 'anyone' };
}
const tag = <F extends object>(fn: F, access: RouteAccess): F => Object.assign(fn, { [ACCESS]: access });

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler that requires a valid access token, an active user in an active org, and the given kind/role. */
    guard(options?: GuardOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Like guard() but lets anonymous callers through (principal stays null). */
    optionalAuth(): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

/** Call inside a guarded route: the principal is there, or the guard already answered 401. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

export default fp<{ secret: string }>(
  async (app, opts) => {
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256', iss: JWT_ISSUER, aud: JWT_AUDIENCE, expiresIn: ACCESS_TOKEN_SECONDS },
      verify: {
        algorithms: ['HS256'],
        allowedIss: JWT_ISSUER,
        allowedAud: JWT_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iss', 'aud'],
      },
    });
    app.decorateRequest('principal', null);

    // Every authenticated request runs this: a named prepared statement, parsed and planned once
    // per connection rather than built and planned per request.
    const principalByUser = app.db
      .select({
        userId: schema.users.id,
        email: schema.users.email,
        role: schema.users.role,
        userStatus: schema.users.status,
        orgId: schema.orgs.id,
        orgKind: schema.orgs.kind,
        orgStatus: schema.orgs.status,
      })
      .from(schema.users)
      .innerJoin(schema.orgs, eq(schema.orgs.id, schema.users.orgId))
      .where(eq(schema.users.id, sql.placeholder('id')))
      .prepare('principal_by_user');

    async function loadPrincipal(request: FastifyRequest): Promise<Principal> {
      let claims: AccessClaims;
      try {
        claims = await request.jwtVerify<AccessClaims>();
      } catch {
        throw unauthorized('The access token is missing, expired or invalid', 'invalid_token');
      }
      const [row] = await principalByUser.execute({ id: claims.sub });
      if (!row || row.userStatus !== 'active' || row.orgId !== claims.org) {
        throw unauthorized('This session is no longer valid', 'invalid_token');
      }
      if (row.orgStatus !== 'active') {
        throw new HttpProblem(
          403,
          'org_not_active',
          `Your organisation is ${row.orgStatus}; it cannot act until the command office activates it`,
        );
      }
      return { userId: row.userId, orgId: row.orgId, orgKind: row.orgKind, role: row.role, email: row.email };
    }

    app.decorate('guard', (options: GuardOptions = {}) =>
      tag(
        async (request: FastifyRequest) => {
          const principal = await loadPrincipal(request);
          if (options.kinds && !options.kinds.includes(principal.orgKind)) {
            throw forbidden(`Only ${options.kinds.join(' or ')} organisations may do this`);
          }
          if (options.roles && !options.roles.includes(principal.role)) {
            throw forbidden(`Only the roles ${options.roles.join(', ')} may do this`);
          }
          request.principal = principal;
        },
        { who: 'signed-in', kinds: options.kinds, roles: options.roles },
      ),
    );

    app.decorate('optionalAuth', () =>
      tag(
        async (request: FastifyRequest) => {
          if (!request.headers.authorization) return;
          request.principal = await loadPrincipal(request);
        },
        { who: 'optional' },
      ),
    );
  },
  { name: 'auth', dependencies: ['database'] },
);
