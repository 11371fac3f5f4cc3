import { LoginResponse, SessionUser, type LoginRequest } from '@shanhai/domain';
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

export const me = () => http.get('/me', SessionUser);
