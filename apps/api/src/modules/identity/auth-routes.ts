import cookie from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LoginRequest, LoginResponse, Problem, SessionUser } from '@shanhai/domain';
import { HttpProblem, unauthorized } from '../../lib/problem';
import { failureLimits } from '../../lib/failure-limit';
import { ACCESS_TOKEN_SECONDS, principalOf } from '../../plugins/auth';
import * as auth from './auth-service';

export const REFRESH_COOKIE = 'shanhai_rt';
const COOKIE_PATH = '/api/v1/auth';

const problems = { 400: Problem, 401: Problem, 403: Problem, 429: Problem };

export interface AuthRoutesOptions {
  loginLimits: { perAccount: number; perIp: number; windowMs: number };
  /** Derives a rotated refresh token's successor (the JWT secret will do). */
  refreshSecret: string;
}

const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, opts) => {
  // Cookies (an onRequest and an onSend hook) only where a route reads or sets one, not app-wide.
  await app.register(cookie);
  function setRefreshCookie(reply: FastifyReply, token: string) {
    reply.setCookie(REFRESH_COOKIE, token, {
      path: COOKIE_PATH,
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      maxAge: auth.REFRESH_TOKEN_TTL_MS / 1000,
    });
  }
  function clearRefreshCookie(reply: FastifyReply) {
    reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
  }
  function accessToken(reply: FastifyReply, user: { id: string; org: { id: string } }) {
    return reply.jwtSign({ sub: user.id, org: user.org.id });
  }

  const { perAccount, perIp, windowMs } = opts.loginLimits;
  // Failed logins count, per address and per account; a right password clears its account's count.
  const loginLimits = failureLimits(app, [
    { name: 'login-ip', max: perIp, windowMs },
    { name: 'login-account', max: perAccount, windowMs },
  ]);

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        body: LoginRequest,
        response: { 200: LoginResponse, ...problems },
      },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const subjects = { 'login-ip': request.ip, 'login-account': email };
      await loginLimits.check(reply, subjects);
      const result = await auth.login(app.db, request.body.email, request.body.password);
      if (!result.ok && result.reason === 'invalid_credentials') await loginLimits.fail(subjects);
      if (result.ok) await loginLimits.succeed({ 'login-account': email });
      if (!result.ok) {
        if (result.reason === 'org_not_active') {
          throw new HttpProblem(
            403,
            'org_not_active',
            `Your organisation is ${result.orgStatus}; you can log in once the command office activates it`,
            {
              orgStatus: result.orgStatus,
            },
          );
        }
        if (result.reason === 'account_deactivated')
          throw new HttpProblem(403, 'account_deactivated', 'This account has been deactivated by its organisation');
        throw unauthorized('Wrong email or password', 'invalid_credentials');
      }
      setRefreshCookie(reply, result.refreshToken);
      return { accessToken: await accessToken(reply, result.user), expiresIn: ACCESS_TOKEN_SECONDS, user: result.user };
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Rotate the refresh token (httpOnly cookie) for a new access token',
        response: { 200: LoginResponse, 401: Problem },
      },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token) throw unauthorized('No refresh token', 'no_refresh_token');
      const result = await auth.refresh(app.db, token, opts.refreshSecret);
      if (!result.ok) {
        clearRefreshCookie(reply);
        throw unauthorized(
          result.reason === 'reused'
            ? 'This refresh token was already used; every session of this login was ended'
            : 'The session has ended; log in again',
          result.reason === 'reused' ? 'refresh_token_reused' : 'session_ended',
        );
      }
      setRefreshCookie(reply, result.refreshToken);
      return { accessToken: await accessToken(reply, result.user), expiresIn: ACCESS_TOKEN_SECONDS, user: result.user };
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null() } } },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (token) await auth.logout(app.db, token);
      clearRefreshCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The logged-in user and their org',
        security: [{ bearer: [] }],
        response: { 200: SessionUser, 401: Problem, 403: Problem },
      },
      preHandler: app.guard(),
    },
    async (request) => {
      const user = await auth.me(app.db, principalOf(request).userId);
      if (!user) throw unauthorized();
      return user;
    },
  );
};

export default authRoutes;
