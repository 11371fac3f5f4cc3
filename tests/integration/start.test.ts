/**
 * `npm start` itself (issue 17): the real start script (packages/devstack/bin/start.mjs) with its
 * embedded PostgreSQL, its own redis-server, MailDev, the api and the worker, on free ports and in
 * a temporary data folder (SHANHAI_DATA_DIR), never beside a developer's .data/. It prints the
 * local inbox's address beside the demo logins; that inbox answers; an email the running app sends
 * (a demo login's password reset) lands in it; and SIGTERM stops the whole tree, leaving no
 * PostgreSQL, Redis, MailDev, api or worker behind.
 *
 * The web app's build is not this test's subject (the browser suites build and serve it): WEB_DIST
 * names a one-page stand-in, which `npm start` serves as it is instead of building.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS } from '@shanhai/db/seed';
import { freePort } from '@shanhai/devstack';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string | undefined;
/** Every process of the started tree, so that a failed test still leaves none running. */
let tree: Proc[] = [];

interface Proc {
  pid: number;
  ppid: number;
  stat: string;
  args: string;
}

/** Every process on the machine (ps works on Linux and macOS alike). */
function processes(): Proc[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8', maxBuffer: 16 << 20 })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3]!, args: m[4]! }));
}

/** `pid` and all its descendants, now. */
function treeOf(pid: number): Proc[] {
  const all = processes();
  const out = all.filter((p) => p.pid === pid);
  for (let i = 0; i < out.length; i++) out.push(...all.filter((p) => p.ppid === out[i]!.pid));
  return out;
}

/** Those of `procs` still running (the same pid with the same command; a zombie has exited). */
function stillRunning(procs: Proc[]): Proc[] {
  const now = new Map(processes().map((p) => [p.pid, p]));
  return procs.filter((p) => {
    const q = now.get(p.pid);
    return q !== undefined && q.args === p.args && !q.stat.startsWith('Z');
  });
}

/** The environment of a developer's shell: nothing of this test run's database, Redis or mail. */
function developerEnv(): Record<string, string> {
  const keep = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LC_\w+|TZ|TMPDIR|XDG_\w+|COREPACK_\w+|PNPM_HOME|npm_config_\w+)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => keep.test(e[0]) && e[1] !== undefined),
  );
}

afterAll(async () => {
  for (const p of stillRunning(tree)) process.kill(p.pid, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the local inbox beside the demo logins; the inbox answers and receives the app’s email; SIGTERM stops the whole tree', async () => {
    dir = await mkdtemp(join(tmpdir(), 'shanhai-start-'));
    const web = join(dir, 'web');
    await mkdir(web);
    await writeFile(join(web, 'index.html'), '<!doctype html><title>山海集市</title>\n');
    const port = await freePort();
    const inboxPort = await freePort();
    const child = spawn(process.execPath, [join(root, 'packages/devstack/bin/start.mjs')], {
      cwd: root,
      env: {
        ...developerEnv(),
        SHANHAI_DATA_DIR: join(dir, 'data'),
        WEB_DIST: web,
        PORT: String(port),
        // Any free health port for the worker: a developer's own worker may hold the default 3001.
        HEALTH_PORT: '0',
        MAILDEV_SMTP_PORT: String(await freePort()),
        MAILDEV_WEB_PORT: String(inboxPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | string | null>((r) => child.on('close', (code, signal) => r(code ?? signal)));
    let gone = false;
    void exited.then(() => (gone = true));

    // Up once it has printed its whole welcome (after the api answered /readyz).
    for (const deadline = Date.now() + 280_000; !/Ctrl-C stops everything/.test(output);) {
      if (gone || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    tree = treeOf(child.pid!);

    // The inbox's line comes right after the demo logins.
    const lines = output.split('\n');
    const head = lines.findIndex((l) => l.startsWith('  demo logins (password: shanhai-demo)'));
    expect(head).toBeGreaterThan(-1);
    const block = lines.slice(head + 1, head + 2 + DEMO_ACCOUNTS.length);
    DEMO_ACCOUNTS.forEach((a, i) => expect(block[i]).toMatch(new RegExp(`^ {4}${a.email.replace(/\./g, '\\.')} `)));
    const inbox = `http://localhost:${inboxPort}`;
    expect(block[DEMO_ACCOUNTS.length]).toBe(
      `  emails      ${inbox}  (every email the demo sends lands in this local inbox)`,
    );

    // The printed address answers: the inbox page to a browser, and its API.
    const page = await fetch(`${inbox}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/MailDev/i);
    type Mail = { subject: string; to: { address: string }[]; text: string };
    const mails = async () => {
      const res = await fetch(`${inbox}/api/email`);
      expect(res.status).toBe(200);
      return (await res.json()) as Mail[];
    };
    expect(Array.isArray(await mails())).toBe(true);

    // The running app emails a demo login its reset link, and the inbox shows it.
    const asked = await fetch(`http://127.0.0.1:${port}/api/v1/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'buyer@demo.shanhai' }),
    });
    expect(asked.status).toBe(202);
    const isReset = (m: Mail) => m.to.some((t) => t.address === 'buyer@demo.shanhai') && /密码/.test(m.subject);
    let reset: Mail | undefined;
    for (const deadline = Date.now() + 60_000; !reset;) {
      reset = (await mails()).find(isReset);
      if (!reset && Date.now() > deadline) throw new Error(`no reset email in the inbox:\n${output}`);
      if (!reset) await new Promise((r) => setTimeout(r, 200));
    }
    expect(reset.subject).toBe('重设您的山海集市密码');
    expect(reset.text).toMatch(new RegExp(`http://localhost:${port}/reset-password#token=[\\w-]{43}`));

    // The tree holds what npm start promised to run, and SIGTERM stops all of it.
    const started = tree.map((p) => p.args).join('\n');
    for (const part of [
      /[\\/]postgres -D /,
      /redis-server /,
      /maildev/,
      /apps[\\/]api[\\/]src[\\/]server\.ts/,
      /apps[\\/]worker[\\/]src[\\/]main\.ts/,
    ])
      expect(started).toMatch(part);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/Stopped\. Data is kept under /);
    // npm start waited for each of its children; their helpers (tsx's esbuild service) leave when
    // their parent's pipe closes, a moment later.
    for (const deadline = Date.now() + 15_000; stillRunning(tree).length > 0 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 100));
    expect(stillRunning(tree)).toEqual([]);
    // PostgreSQL shut down cleanly (it removes its lock file), and nothing answers any more.
    expect(existsSync(join(dir, 'data', 'pg', 'postmaster.pid'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await expect(fetch(`${inbox}/api/email`)).rejects.toThrow();
  }, 360_000);
});
