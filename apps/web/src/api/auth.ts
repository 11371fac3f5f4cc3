import {
  LoginResponse,
  PasswordResetAccepted,
  type ChangePasswordRequest,
  type LoginRequest,
  type PasswordResetRequest,
  type SetPasswordRequest,
} from '@shanhai/domain';
import { z } from 'zod';
import { http, NoContent, setAccessToken } from './http';

export async function login(body: LoginRequest): Promise<LoginResponse> {
  const session = await http.post('/auth/login', LoginResponse, body);
  setAccessToken(session.accessToken);
  return session;
}

export async function logout(): Promise<void> {
  await http.post('/auth/logout', NoContent);
  setAccessToken(null);
}

/** A new password; this device gets a fresh session, every other one ends. */
export async function changePassword(body: ChangePasswordRequest): Promise<LoginResponse> {
  const session = await http.post('/auth/password', LoginResponse, body);
  setAccessToken(session.accessToken);
  return session;
}

export const requestPasswordReset = (body: PasswordResetRequest) =>
  http.post('/auth/password-reset', PasswordResetAccepted, body);

export const setPassword = (body: SetPasswordRequest) =>
  http.post(
    '/auth/set-password',
    z.object({ email: z.string(), purpose: z.enum(['password_reset', 'invitation']) }),
    body,
  );
