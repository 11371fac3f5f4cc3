import { z } from 'zod';
import { Email, NewPassword } from './identity';
import { pgString } from '../storage';

/** Change one's password: the current one proves it is the account holder at the keyboard. */
export const ChangePasswordRequest = z.strictObject({
  currentPassword: pgString().min(1).max(200),
  newPassword: NewPassword,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const PasswordResetRequest = z.strictObject({ email: Email });
export type PasswordResetRequest = z.infer<typeof PasswordResetRequest>;

/** A link's token: 32 random bytes, base64url. */
export const AccountToken = z.stringFormat('account_token', /^[A-Za-z0-9_-]{43}$/);

/** Sets a password from an emailed link: a forgotten-password reset or an invitation. */
export const SetPasswordRequest = z.strictObject({
  token: AccountToken,
  newPassword: NewPassword,
});
export type SetPasswordRequest = z.infer<typeof SetPasswordRequest>;

/** The same answer whether or not the address has an account (no account enumeration). */
export const PasswordResetAccepted = z.object({ accepted: z.literal(true) });
