import type { z } from 'zod';

/** A process's environment read with its schema, or one error naming every bad variable (the api's and the worker's). */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`Invalid ${what}:\n${lines.join('\n')}`);
}
