import { defineConfig } from 'drizzle-kit';

// `drizzle-kit generate` only: it diffs the schema against migrations/meta and writes SQL to
// review and commit. It needs no database. Never `push`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: '../../migrations',
  casing: 'snake_case',
});
