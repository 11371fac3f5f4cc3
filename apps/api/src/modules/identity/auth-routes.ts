import cookie from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ChangePasswordRequest,
  LoginRequest,
  LoginResponse,
  PasswordResetAccepted,
  PasswordResetRequest,
  Problem,
  SessionUser,
  SetPasswordRequest,
} from '@shanhai/domain';
import { HttpProblem, ruleBroken, unauthorized } from '../../lib/problem';
import { failureLimits } from '../../lib/failure-limit';
import { limits } from '../../lib/rate-limit';
import { ACCESS_TOKEN_SECONDS, principalOf } from '../../plugins/auth';
import * as account from './account-service';
import * as auth from './auth-service';

/** Reset requests per address per hour: enough for a shared office network, too few to spray. */
const RESETS_PER_IP_PER_HOUR = 30;

const REFRESH_COOKIE = 'shanhai_rt';
const COOKIE_PATH = '/api/v1/auth';

const problems = { 400: Problem, 401: Problem, 403: Problem, 429: Problem };

interface AuthRoutesOptions {
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

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Change one’s password (the current one required); every other session ends, this device gets a new one',
        security: [{ bearer: [] }],
        body: ChangePasswordRequest,
        response: { 200: LoginResponse, ...problems },
      },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      const who = principalOf(request);
      // Wrong current passwords count like failed logins: the form must not become a guessing oracle.
      const subjects = { 'login-ip': request.ip, 'login-account': who.email.toLowerCase() };
      await loginLimits.check(reply, subjects);
      const { currentPassword, newPassword } = request.body;
      if (!(await account.changePassword(app.db, who, currentPassword, newPassword))) {
        await loginLimits.fail(subjects);
        throw ruleBroken('body.currentPassword', 'wrong_password');
      }
      const session = await auth.startSession(app.db, who.userId);
      if (!session) throw unauthorized();
      setRefreshCookie(reply, session.refreshToken);
      return {
        accessToken: await accessToken(reply, session.user),
        expiresIn: ACCESS_TOKEN_SECONDS,
        user: session.user,
      };
    },
  );

  const resetLimit = limits(app, [
    { max: RESETS_PER_IP_PER_HOUR, windowMs: 3600_000, key: (req) => `password-reset-ip:${req.ip}` },
  ]);
  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Email a single-use link to reset a forgotten password; the same answer whether or not the address has an account',
        body: PasswordResetRequest,
        response: { 202: PasswordResetAccepted, 400: Problem, 429: Problem },
      },
      preHandler: resetLimit,
    },
    async (request, reply) => {
      await account.requestPasswordReset(app.db, request.body.email);
      await app.queues.notifySoon();
      return reply.code(202).send({ accepted: true as const });
    },
  );

  app.post(
    '/auth/set-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a password from an emailed link (a reset or an invitation); the link works once',
        body: SetPasswordRequest,
        response: {
          200: z.object({ email: z.string(), purpose: z.enum(['password_reset', 'invitation']) }),
          400: Problem,
          429: Problem,
        },
      },
      preHandler: resetLimit,
    },
    async (request) => {
      const result = await account.setPasswordWithToken(app.db, request.body.token, request.body.newPassword);
      if (!result.ok) throw ruleBroken('body.token', 'link_spent');
      return { email: result.email, purpose: result.purpose };
    },
  );
};

export default authRoutes;
