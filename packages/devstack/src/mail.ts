import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MailCatcherOptions {
  /** Where received emails are kept (they survive a restart), and the log. */
  dir: string;
  smtpPort: number;
  webPort: number;
}

export interface RunningMailCatcher {
  /** For SMTP_URL. */
  smtpUrl: string;
  /** The web inbox. */
  webUrl: string;
  stop(): Promise<void>;
}

/**
 * The `maildev` package's command, found through Node's resolution (no global install). Its
 * exports name only its entry (dist/index.js), so the package folder is that file's grandparent.
 */
function maildevBin(): string {
  const root = dirname(dirname(fileURLToPath(import.meta.resolve('maildev'))));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(root, pkg.bin.maildev!);
}

/**
 * A local mail catcher for `npm start`: MailDev takes every email the worker sends over SMTP and
 * shows it in a web inbox, so a newcomer sees what users would receive. Nothing leaves the machine.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<RunningMailCatcher> {
  mkdirSync(join(options.dir, 'mail'), { recursive: true });
  const log = openSync(join(options.dir, 'maildev.log'), 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      maildevBin(),
      '--smtp',
      String(options.smtpPort),
      '--ip',
      '127.0.0.1',
      '--web',
      String(options.webPort),
      '--web-ip',
      '127.0.0.1',
      '--mail-directory',
      join(options.dir, 'mail'),
    ],
    // Own process group: Ctrl-C reaches the orchestrator, which stops the catcher after the worker.
    { stdio: ['ignore', log, log], detached: true },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  child.once('error', () => (exited = true));
  const webUrl = `http://localhost:${options.webPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${options.webPort}/api/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`maildev did not start; see ${join(options.dir, 'maildev.log')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await exit;
    },
  };
}
