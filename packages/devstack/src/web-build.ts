import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', '.vite']);

function fingerprint(dirs: string[], files: string[]): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (SKIP.has(entry.name)) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        h.update(`${p}:${s.size}:${s.mtimeMs}\n`);
      }
    }
  };
  dirs.forEach(walk);
  for (const f of files) if (existsSync(f)) h.update(readFileSync(f));
  return h.digest('hex');
}

/**
 * Builds apps/web into apps/web/dist unless the sources are unchanged since the last build
 * (a second `npm start` then skips the ~20 s build).
 */
export function buildWeb(root: string, pnpm: { command: string; args: string[]; env: Record<string, string> }): string {
  const web = join(root, 'apps/web');
  const dist = join(web, 'dist');
  const stampFile = join(dist, '.build-stamp');
  const stamp = fingerprint([web, join(root, 'packages/domain/src')], [join(root, 'pnpm-lock.yaml')]);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dist;
  process.stdout.write('Building the web app…\n');
  const r = spawnSync(pnpm.command, [...pnpm.args, '--filter', '@shanhai/web', 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...pnpm.env },
  });
  if (r.status !== 0) throw new Error('Building the web app failed; see above.');
  writeFileSync(stampFile, stamp);
  return dist;
}
