import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiEnv, MigrateEnv } from '@shanhai/api/env';
import { WorkerEnv } from '@shanhai/worker/env';
import { checkCompose, type CheckInput } from '../support/compose-check';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const compose = read('docker-compose.yml');
const schemas = { 'dist/server.js': ApiEnv, 'dist/migrate.js': MigrateEnv, 'dist/main.js': WorkerEnv };
const JWT = { JWT_SECRET: 'a-secret-of-at-least-thirty-two-characters' };
const STRIPE = {
  STRIPE_SECRET_KEY: 'sk_test_1',
  STRIPE_WEBHOOK_SECRET: 'whsec_1',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_1',
};

function check(overrides: Partial<CheckInput> = {}) {
  return checkCompose({ compose, readFile: read, schemas, shell: JWT, ...overrides });
}
/** The real files with one Dockerfile's text changed. */
function readWith(path: string, edit: (text: string) => string) {
  return (p: string) => (p === path ? edit(read(p)) : read(p));
}

describe('docker-compose.yml against the apps’ env schemas and Dockerfiles', () => {
  it('starts as documented (only JWT_SECRET set), and with card payment configured', () => {
    expect(check()).toEqual([]);
    expect(check({ shell: { ...JWT, ...STRIPE } })).toEqual([]);
  });

  it('every app service runs compiled output as an unprivileged user, and every entry is built by npm run build', () => {
    for (const app of ['api', 'worker']) {
      const build = JSON.parse(read(`apps/${app}/package.json`)).scripts.build as string;
      const dockerfile = read(`apps/${app}/Dockerfile`);
      for (const entry of dockerfile.matchAll(/dist\/([\w-]+)\.js/g)) expect(build).toContain(`src/${entry[1]}.ts`);
    }
    expect(read('docker-compose.yml')).toContain("command: ['node', 'dist/migrate.js']");
  });

  // The checks above can only be trusted if they fail on the mistakes they are for.
  it('finds a missing Stripe key: two of three set stops the api', () => {
    const without = compose.replace(/^\s+STRIPE_PUBLISHABLE_KEY:.*\n/m, '');
    expect(check({ compose: without, shell: { ...JWT, ...STRIPE } })).toEqual([
      expect.stringMatching(
        /^api: STRIPE_PUBLISHABLE_KEY: is required when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET/,
      ),
    ]);
  });

  it('finds a variable that no app reads, and a required one that is missing', () => {
    const extra = compose.replace(
      /(\n {2}worker:[\s\S]*?environment:\n)/,
      '$1      UPLOAD_DIR: /uploads\n      JWT_SECRET: ${JWT_SECRET}\n',
    );
    expect(check({ compose: extra })).toEqual([
      'worker: passes UPLOAD_DIR, which dist/main.js does not read',
      'worker: passes JWT_SECRET, which dist/main.js does not read',
    ]);
    const noRedis = compose.replace(/(\n {2}api:[\s\S]*?)\n\s+REDIS_URL:.*/, '$1');
    expect(check({ compose: noRedis })).toEqual([
      'api: REDIS_URL: Invalid input: expected string, received undefined (dist/server.js)',
    ]);
    expect(check({ shell: {} })).toEqual([
      'api: JWT_SECRET needs JWT_SECRET set in the shell',
      'api: JWT_SECRET: JWT_SECRET must be at least 32 characters (dist/server.js)',
    ]);
  });

  it('finds a volume the image’s user cannot write', () => {
    const uploads = compose.replace(
      /(\n {2}api:[\s\S]*?)(\n {4}ports:)/,
      '$1\n    volumes:\n      - uploads:/uploads$2',
    );
    expect(check({ compose: uploads })).toEqual([
      'api: mounts /uploads, which the image does not create owned by its user node',
    ]);
    const owned = readWith('apps/api/Dockerfile', (t) =>
      t.replace('USER node', 'RUN mkdir -p /uploads && chown node:node /uploads\nUSER node'),
    );
    expect(check({ compose: uploads, readFile: owned })).toEqual([]);
    const strange = compose.replace('- redisdata:/data', '- redisdata:/var/redis');
    expect(check({ compose: strange })).toEqual([
      'redis: mounts /var/redis, which the redis image is not known to make writable for its user',
    ]);
  });

  it('finds a service without a health check, a root image, a TypeScript entry and dev dependencies', () => {
    const noHealth = readWith('apps/worker/Dockerfile', (t) => t.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''));
    expect(check({ readFile: noHealth })).toEqual([
      'worker: has no health check (in compose or as the image’s HEALTHCHECK)',
    ]);
    const root = readWith('apps/worker/Dockerfile', (t) => t.replace('USER node', 'USER root'));
    expect(check({ readFile: root })).toEqual(['worker: the image runs as root (no USER in its final stage)']);
    const tsx = readWith('apps/worker/Dockerfile', (t) =>
      t
        .replace(/^CMD \[.*\]$/m, 'CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]')
        .replace(/deploy --prod/, 'deploy'),
    );
    expect(check({ readFile: tsx })).toEqual([
      'worker: the image does not install production dependencies only (pnpm deploy --prod)',
      'worker: runs TypeScript (node --import tsx apps/worker/src/main.ts)',
      'worker: runs node --import tsx apps/worker/src/main.ts, not a known compiled entry (dist/server.js, dist/migrate.js, dist/main.js)',
    ]);
    // The one-shot migration needs no health check only while the others wait for it to finish.
    const startedOnly = compose.replace(
      /(\n {2}worker:[\s\S]*?)migrate: \{ condition: service_completed_successfully \}/,
      '$1migrate: { condition: service_started }',
    );
    expect(check({ compose: startedOnly })).toEqual([
      'migrate: has no health check (in compose or as the image’s HEALTHCHECK)',
    ]);
  });
});
