/**
 * Built apps run as child processes (the replica and tracing suites): spawn one with its output
 * kept, wait for a condition, run a one-shot script.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal once all output has been read. */
  exited: Promise<number | string | null>;
  /** The last 64 KB of stdout and stderr. */
  output(): string;
}

export function spawnNode(name: string, cwd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string | null>((r) => child.on('close', (code, signal) => r(code ?? signal)));
  return { name, child, exited, output: () => output };
}

/** Polls `check` until it gives a truthy value (returned), or throws naming `what` after `ms`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waited too long for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `node <args>` in `cwd` to its end; rejects with its output if it fails. */
export function runNode(cwd: string, args: string[]): Promise<void> {
  const p = spawnNode('run', cwd, args, { PATH: process.env.PATH ?? '' });
  return p.exited.then((code) => {
    if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}):\n${p.output()}`);
  });
}
