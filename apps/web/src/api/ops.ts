import { z } from 'zod';
import { http } from './http';

/** Puts the office access token in a cookie scoped to /admin/queues, so that a link can open Bull Board in a new tab. */
export const queueBoardSession = () => http.post('/admin/queues/session', z.undefined());
