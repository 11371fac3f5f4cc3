/**
 * `npm start`, stage 1 (after install): a real PostgreSQL and Redis (embedded, data under .data/,
 * unless DATABASE_URL / REDIS_URL say otherwise), a local mail catcher (unless SMTP_URL is set),
 * migrations, demo data, then the api (serving the built web app) and the worker. Ctrl-C (or
 * SIGTERM) stops everything in order; data survives a restart.
 *
 * Settings besides the apps' own (PORT, HEALTH_PORT, …, passed through to them):
 * - SHANHAI_DATA_DIR: where the data lives instead of .data/ (tests/integration/start.test.ts
 *   starts a throwaway stack in a temporary folder, never beside a developer's data);
 * - WEB_DIST: a web app built already, served as it is (no build step);
 * - MAILDEV_SMTP_PORT / MAILDEV_WEB_PORT: the mail catcher's ports (MailDev's own variables);
 *   unset, MailDev's defaults 1025 and 1080 when free, else any free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, runMigrations } from '@shanhai/db';
import { DEMO_ACCOUNTS, DEMO_ORDER_STEPS, DEMO_PASSWORD, pastSettlementStep, seedDemo } from '@shanhai/db/seed';
import { portOrFree } from './ports';
import { ensureDatabase, startPostgres } from './postgres';
import { startMailCatcher } from './mail';
import { startRedis } from './redis';
import { buildWeb } from './web-build';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DATA = process.env.SHANHAI_DATA_DIR || join(ROOT, '.data');
/** How the data folder is named to the developer: `.data` unless moved. */
const SHOWN = process.env.SHANHAI_DATA_DIR ? DATA : '.data';
const PREFERRED_PG_PORT = 54329;
const PREFERRED_REDIS_PORT = 63799;
/** MailDev's own defaults, so its documentation's addresses work as written. */
const PREFERRED_SMTP_PORT = 1025;
const PREFERRED_MAIL_WEB_PORT = 1080;
const SHUTDOWN_GRACE_MS = 15_000;

type Stop = () => Promise<void>;
const stops: { name: string; stop: Stop }[] = [];
const children: ChildProcess[] = [];
let shuttingDown = false;

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

/** Local secrets, generated once and kept under .data/ so that sessions survive a restart. */
function localSecrets(): { jwtSecret: string } {
  const file = join(DATA, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string };
  const secrets = { jwtSecret: randomBytes(48).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) {
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.write(`[${name}] ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
}

function runApp(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only this orchestrator, which stops children in order.
    detached: true,
  });
  prefixLines(name, child.stdout!, process.stdout);
  prefixLines(name, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`\n${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); shutting everything down.`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function shutdown(code: number): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => undefined);
  shuttingDown = true;
  say('\nStopping…');
  await Promise.all(children.map(stopChild));
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
    } catch (e) {
      say(`could not stop ${name}: ${(e as Error).message}`);
    }
  }
  say(`Stopped. Data is kept under ${SHOWN}/.`);
  process.exit(code);
}

async function main() {
  mkdirSync(DATA, { recursive: true });
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => void shutdown(0));
  const pnpm = JSON.parse(process.env.SHANHAI_PNPM ?? '{"command":"pnpm","args":[],"env":{}}');
  const webDist = process.env.WEB_DIST || buildWeb(ROOT, pnpm);

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say(`Starting PostgreSQL (embedded, data in ${SHOWN}/pg)…`);
    const pg = await startPostgres({
      dataDir: join(DATA, 'pg'),
      port: await portOrFree(PREFERRED_PG_PORT),
      persistent: true,
      logFile: join(DATA, 'postgres.log'),
    });
    stops.push({ name: 'PostgreSQL', stop: pg.stop });
    databaseUrl = await ensureDatabase(pg.url, 'shanhai');
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    say(`Starting Redis (data in ${SHOWN}/redis)…`);
    const redis = await startRedis({
      dir: join(DATA, 'redis'),
      port: await portOrFree(PREFERRED_REDIS_PORT),
      persistent: true,
    });
    stops.push({ name: 'Redis', stop: redis.stop });
    redisUrl = redis.url;
  }

  let smtpUrl = process.env.SMTP_URL;
  let inboxUrl: string | null = null;
  if (!smtpUrl) {
    say('Starting the local mail catcher (MailDev)…');
    const mail = await startMailCatcher({
      dir: DATA,
      smtpPort: Number(process.env.MAILDEV_SMTP_PORT) || (await portOrFree(PREFERRED_SMTP_PORT)),
      webPort: Number(process.env.MAILDEV_WEB_PORT) || (await portOrFree(PREFERRED_MAIL_WEB_PORT)),
    });
    stops.push({ name: 'MailDev', stop: mail.stop });
    smtpUrl = mail.smtpUrl;
    inboxUrl = mail.webUrl;
  }

  say('Migrating the database…');
  await runMigrations(databaseUrl);
  say('Seeding demo data (idempotent)…');
  const { db, close } = createDb(databaseUrl, { max: 2, applicationName: 'shanhai-seed' });
  // With a past settled month, so that the money pages have something to show on a fresh start,
  // and this month's demo orders, so the cooperatives' dashboards are not zeros (neither is in
  // the tests' template).
  await seedDemo(db, [pastSettlementStep, ...DEMO_ORDER_STEPS]);
  await close();

  const port = process.env.PORT ?? '3000';
  const url = `http://localhost:${port}`;
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: process.env.JWT_SECRET ?? localSecrets().jwtSecret,
    PORT: port,
    WEB_DIST: webDist,
    SMTP_URL: smtpUrl,
    APP_URL: process.env.APP_URL ?? url,
  };
  runApp('api', 'apps/api/src/server.ts', env);
  runApp('worker', 'apps/worker/src/main.ts', env);
  await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);

  say('');
  say('━━━ 山海集市 Shanhai Market is running ━━━');
  say(`  open        ${url}`);
  say(`  API docs    ${url}/docs`);
  say(`  demo logins (password: ${DEMO_PASSWORD})`);
  for (const a of DEMO_ACCOUNTS) say(`    ${a.email.padEnd(22)} ${a.role.padEnd(18)} ${a.what}`);
  if (inboxUrl) say(`  emails      ${inboxUrl}  (every email the demo sends lands in this local inbox)`);
  say(`  Ctrl-C stops everything; data stays in ${SHOWN}/.`);
  say('');
}

main().catch(async (e: unknown) => {
  process.stderr.write(`\nnpm start failed: ${e instanceof Error ? e.message : String(e)}\n`);
  await shutdown(1);
});
