/**
 * Reads docker-compose.yml and the Dockerfiles it builds, and checks them against the apps' own
 * env schemas, the way `docker compose up` would use them. No Docker engine is needed: this is
 * about what the files say.
 */
import { posix } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';

/** An app's env schema (its env.ts) and the compiled entry point that reads it. */
type EnvSchemas = Record<string, z.ZodObject>;

/**
 * Data folders that official images create and hand to their own user at start-up; our own images
 * must create theirs in the Dockerfile.
 */
const IMAGE_DATA_DIRS: Record<string, string[]> = {
  postgres: ['/var/lib/postgresql/data'],
  redis: ['/data'],
};

interface Dockerfile {
  /** Instructions of the final stage: [keyword, rest of the line]. */
  final: [string, string][];
  text: string;
}

/** Parses a Dockerfile into the instructions of its last stage (line continuations joined). */
function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: [string, string][][] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push([keyword.toUpperCase(), rest]);
  }
  return { final: stages.at(-1) ?? [], text };
}

function words(rest: string): string[] {
  return rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
}

/** `ENV A=1 B=2` (and the old `ENV A 1`) of the final stage. */
function imageEnv(d: Dockerfile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, rest] of d.final) {
    if (k !== 'ENV') continue;
    if (!rest.includes('=')) {
      const [name, ...value] = rest.split(/\s+/);
      env[name!] = value.join(' ');
    } else for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` from the shell. */
function interpolate(value: string, shell: Record<string, string>, missing: (name: string) => void): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const v = shell[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') {
      missing(name);
      return '';
    }
    return op === '-' ? (arg ?? '') : '';
  });
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
  restart?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
}

function dependsOn(s: Service): Record<string, string> {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on).map(([n, d]) => [n, d.condition ?? 'service_started']));
}

function environmentOf(s: Service): Record<string, string> {
  if (!s.environment) return {};
  if (Array.isArray(s.environment))
    return Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export interface CheckInput {
  compose: string;
  /** Reads a file of the repository (Dockerfiles), by its path from the repository root. */
  readFile: (path: string) => string;
  /** Schemas by compiled entry, e.g. `dist/server.js` → the api's env schema. */
  schemas: EnvSchemas;
  /** The shell's environment at `docker compose up` (what `${…}` expands from). */
  shell: Record<string, string>;
}

/** Every problem found, as `service: what is wrong`; empty when the stack would start. */
export function checkCompose({ compose, readFile, schemas, shell }: CheckInput): string[] {
  const doc = parse(compose) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const problems: string[] = [];
  const services = doc.services ?? {};
  const dependents = (name: string) =>
    Object.entries(services)
      .map(([other, s]) => [other, dependsOn(s)[name]] as const)
      .filter((e): e is readonly [string, string] => e[1] !== undefined);

  for (const [name, s] of Object.entries(services)) {
    const say = (p: string) => problems.push(`${name}: ${p}`);
    const build = typeof s.build === 'string' ? { context: s.build } : s.build;
    const dockerfile = build
      ? parseDockerfile(readFile(posix.join(build.context ?? '.', build.dockerfile ?? 'Dockerfile')))
      : undefined;

    // A one-shot step (migrations) runs to completion; the services after it wait for that.
    const waiters = dependents(name);
    const oneShot =
      s.restart === 'no' && waiters.length > 0 && waiters.every(([, c]) => c === 'service_completed_successfully');
    const composeHealth = s.healthcheck && !s.healthcheck.disable && s.healthcheck.test !== undefined;
    // The image's HEALTHCHECK probes the image's own CMD: it says nothing about another command.
    const imageHealth =
      !s.command &&
      !s.healthcheck?.disable &&
      dockerfile?.final.some(([k, rest]) => k === 'HEALTHCHECK' && !/^NONE\b/i.test(rest));
    if (!oneShot && !composeHealth && !imageHealth)
      say('has no health check (in compose or as the image’s HEALTHCHECK)');
    for (const [other, condition] of waiters)
      if (condition === 'service_healthy' && !composeHealth && !imageHealth)
        problems.push(`${other}: waits for ${name} to be healthy, which has no health check`);

    if (!dockerfile) {
      const image = (s.image ?? '').split(/[:@]/)[0]!.split('/').pop()!;
      for (const v of s.volumes ?? []) {
        const target = typeof v === 'string' ? v.split(':')[1] : v.target;
        if (target && !(IMAGE_DATA_DIRS[image] ?? []).includes(target))
          say(`mounts ${target}, which the ${image} image is not known to make writable for its user`);
      }
      continue;
    }

    // Our image: compiled output, production dependencies, an unprivileged user.
    const user = dockerfile.final.filter(([k]) => k === 'USER').pop()?.[1];
    if (!user || /^(root|0)(:|$)/.test(user)) say('the image runs as root (no USER in its final stage)');
    if (!/\bdeploy\b[^\n]*--prod\b/.test(dockerfile.text))
      say('the image does not install production dependencies only (pnpm deploy --prod)');
    const cmd = dockerfile.final.filter(([k]) => k === 'CMD').pop()?.[1];
    const command = s.command ? (Array.isArray(s.command) ? s.command : s.command.split(/\s+/)) : cmd ? words(cmd) : [];
    if (command.some((w) => /tsx/.test(w) || w.endsWith('.ts'))) say(`runs TypeScript (${command.join(' ')})`);
    const entry = command.find((w) => /^dist\/[\w-]+\.js$/.test(w));
    const schema = entry ? schemas[entry] : undefined;
    if (!schema) {
      say(`runs ${command.join(' ') || 'nothing'}, not a known compiled entry (${Object.keys(schemas).join(', ')})`);
      continue;
    }

    // The image's ENV is for the image's own CMD; a service that runs another entry of the same
    // image (the migration step) inherits it, unread, which is no mistake of the compose file.
    const ownEntry = cmd ? words(cmd).find((w) => /^dist\/[\w-]+\.js$/.test(w)) : undefined;
    const ownSchema = ownEntry ? schemas[ownEntry] : undefined;
    const baked = imageEnv(dockerfile);
    if (ownSchema)
      for (const k of Object.keys(baked))
        if (!(k in ownSchema.shape)) say(`the image sets ${k}, which ${ownEntry} does not read`);
    const passed: Record<string, string> = {};
    for (const [k, v] of Object.entries(environmentOf(s)))
      passed[k] = interpolate(v, shell, (n) => say(`${k} needs ${n} set in the shell`));
    for (const k of Object.keys(passed)) if (!(k in schema.shape)) say(`passes ${k}, which ${entry} does not read`);
    const env = { ...baked, ...passed };
    // Compose passes "" for `${X:-}`: the app sees the variable as set to the empty string.
    const parsed = schema.safeParse(env);
    if (!parsed.success)
      for (const issue of parsed.error.issues) say(`${issue.path.join('.') || 'env'}: ${issue.message} (${entry})`);

    for (const v of s.volumes ?? []) {
      const target = typeof v === 'string' ? v.split(':')[1]! : v.target;
      const owner = user?.split(':')[0];
      const writable = dockerfile.final.some(
        ([k, rest]) =>
          (k === 'RUN' && rest.includes(target) && new RegExp(`chown\\s+(-R\\s+)?${owner}\\b`).test(rest)) ||
          (k === 'COPY' && rest.includes(`--chown=${owner}`) && rest.trim().endsWith(target)),
      );
      if (!writable) say(`mounts ${target}, which the image does not create owned by its user ${owner}`);
    }
  }
  return problems;
}
