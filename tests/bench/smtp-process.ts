/**
 * A real SMTP server (tests/support/smtp.ts, not parsing) in its own process, as a mail server is:
 * the benchmarks' worker does not share its event loop with the server it sends to. Run as a child
 * (`startSmtpProcess`); it answers `accepted` messages with how many messages it took so far.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSmtp } from '../support/smtp';

type FromChild = { ready: string } | { accepted: number; seq: number };

export interface SmtpProcess {
  url: string;
  pid: number | undefined;
  accepted(): Promise<number>;
  close(): Promise<void>;
}

export async function startSmtpProcess(): Promise<SmtpProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`SMTP process exited with ${code}`)));
    child.once('message', (m: FromChild) => ('ready' in m ? resolve(m.ready) : reject(new Error('unexpected'))));
  });
  let seq = 0;
  return {
    url,
    pid: child.pid,
    accepted: () =>
      new Promise<number>((resolve) => {
        const mine = ++seq;
        const on = (m: FromChild) => {
          if ('accepted' in m && m.seq === mine) {
            child.off('message', on);
            resolve(m.accepted);
          }
        };
        child.on('message', on);
        child.send({ seq: mine });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv.includes('--child')) {
  const smtp = await startSmtp({ parse: false });
  process.on('message', (m: { seq: number }) => process.send!({ accepted: smtp.accepted(), seq: m.seq }));
  process.on('SIGTERM', () => {
    void smtp.close().then(() => process.exit(0));
  });
  process.send!({ ready: smtp.url });
}
