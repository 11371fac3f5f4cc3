import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv } from './env';

describe('parseEnv', () => {
  const Env = z.object({ PORT: z.coerce.number().int().positive(), NAME: z.string().min(1) });

  it('returns the parsed values', () => {
    expect(parseEnv(Env, { PORT: '3000', NAME: 'api' }, 'api configuration')).toEqual({ PORT: 3000, NAME: 'api' });
  });

  it('throws one error naming every bad variable and what it configures', () => {
    expect(() => parseEnv(Env, { PORT: '-1' }, 'worker configuration')).toThrow(
      /^Invalid worker configuration:\n {2}PORT: .+\n {2}NAME: .+$/,
    );
  });
});
