/**
 * `pnpm --filter @shanhai/tests bench:start`: how fast the production images' processes start, and
 * what the images carry.
 *
 * Builds the api and the worker (`npm run build`'s bundles), deploys each with `pnpm deploy --prod`
 * into a temporary folder exactly as the Dockerfiles do, and reports what that holds (packages,
 * size, any development tool). Then starts, in alternating rounds (`BENCH_ROUNDS`, default 10):
 *
 * - `node` with a bare `http` server (Node's own floor);
 * - a bare Fastify with one route, from the api's deployed packages (the baseline);
 * - the api as the image runs it (`node --enable-source-maps dist/server.js`, serving the built web
 *   app when apps/web/dist exists), against a throwaway PostgreSQL and Redis;
 * - the worker as the image runs it (`node --enable-source-maps dist/main.js`).
 *
 * and measures from spawn to the first 200 from its `/healthz` (polled every 5 ms), and its
 * resident memory then; for the api also to the first 200 from `/readyz` (its start-up catch-ups
 * done, after listen). The aim: the api under 2 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@shanhai/devstack';
import { benchStack } from './support';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const DEV_ONLY =
  /^(typescript|tsx|esbuild|vitest|vite|vue-tsc|eslint|prettier|drizzle-kit|s3rver|@types\/.*|@esbuild\/.*)$/;

function pnpm(args: string[]) {
  execFileSync('pnpm', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The packages of a deploy's virtual store, by name. */
function deployedPackages(dir: string): string[] {
  const store = join(dir, 'node_modules/.pnpm');
  const names = readdirSync(store)
    .filter((d) => d !== 'node_modules' && d !== 'lock.yaml')
    .map((d) => {
      const at = d.indexOf('@', 1);
      return d.slice(0, at).replace('+', '/');
    });
  return [...new Set(names)].sort();
}

function du(dir: string): string {
  return execFileSync('du', ['-sh', dir], { encoding: 'utf8' }).split('\t')[0]!;
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface Contender {
  label: string;
  cwd: string;
  args: string[];
  env: Record<string, string>;
  /** The health port: given, or found in the output (the worker takes any free one). */
  port: number | ((output: string) => number | undefined);
  /** What is polled: /healthz unless given. */
  path?: string;
}

/** Spawn → first 200 from /healthz (or `path`), in ms, and the resident memory at that moment. */
async function startOnce(c: Contender): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, c.args, {
    cwd: c.cwd,
    env: { PATH: process.env.PATH ?? '', ...c.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${c.label} exited:\n${output}`);
      const port = typeof c.port === 'number' ? c.port : c.port(output);
      if (port && (await healthy(`http://127.0.0.1:${port}${c.path ?? '/healthz'}`)))
        return { ms: performance.now() - started, rssMb: rssMb(child.pid!) };
      if (performance.now() - started > 60_000) throw new Error(`${c.label} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'shanhai-bench-start-'));
  const stack = await benchStack('start', { seed: false });
  try {
    console.log('building the api and the worker, and deploying each with pnpm deploy --prod …');
    pnpm(['--filter', '@shanhai/api', '--filter', '@shanhai/worker', 'build']);
    const deploys = { api: join(work, 'api'), worker: join(work, 'worker') };
    for (const [app, dir] of Object.entries(deploys))
      pnpm(['--filter', `@shanhai/${app}`, 'deploy', '--prod', '--legacy', dir]);

    console.log('\n### What each image carries (`pnpm deploy --prod` output)\n');
    console.log('| app | packages | size on disk | development tools or types |');
    console.log('| --- | ---: | ---: | --- |');
    for (const [app, dir] of Object.entries(deploys)) {
      const pkgs = deployedPackages(dir);
      const dev = pkgs.filter((p) => DEV_ONLY.test(p));
      console.log(`| ${app} | ${pkgs.length} | ${du(dir)} | ${dev.length ? dev.join(', ') : 'none'} |`);
    }

    const webDist = join(root, 'apps/web/dist');
    const base = {
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    };
    const bareHttp = join(work, 'bare-http.mjs');
    writeFileSync(
      bareHttp,
      "import { createServer } from 'node:http';\ncreateServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n",
    );
    // Inside the api's deploy, so that it loads the very fastify the api does.
    const bareFastify = join(deploys.api, 'bare-fastify.mjs');
    writeFileSync(
      bareFastify,
      "import Fastify from 'fastify';\nconst app = Fastify({ logger: true });\napp.get('/healthz', async () => ({ status: 'ok' }));\nawait app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });\n",
    );
    const ports = {
      http: await freePort(),
      fastify: await freePort(),
      api: await freePort(),
      apiReady: await freePort(),
    };
    const contenders: Contender[] = [
      {
        label: 'node, bare http server',
        cwd: work,
        args: [bareHttp],
        env: { PORT: String(ports.http) },
        port: ports.http,
      },
      {
        label: 'Fastify, one route (baseline)',
        cwd: deploys.api,
        args: [bareFastify],
        env: { PORT: String(ports.fastify) },
        port: ports.fastify,
      },
      {
        label: 'api: node --enable-source-maps dist/server.js',
        cwd: deploys.api,
        args: ['--enable-source-maps', 'dist/server.js'],
        env: {
          ...base,
          HOST: '127.0.0.1',
          PORT: String(ports.api),
          JWT_SECRET: 'bench-start-secret-that-is-long-enough-0123456789',
          ...(existsSync(webDist) ? { WEB_DIST: webDist } : {}),
        },
        port: ports.api,
      },
      {
        label: 'api, to the first 200 from /readyz',
        cwd: deploys.api,
        args: ['--enable-source-maps', 'dist/server.js'],
        env: {
          ...base,
          HOST: '127.0.0.1',
          PORT: String(ports.apiReady),
          JWT_SECRET: 'bench-start-secret-that-is-long-enough-0123456789',
          ...(existsSync(webDist) ? { WEB_DIST: webDist } : {}),
        },
        port: ports.apiReady,
        path: '/readyz',
      },
      {
        label: 'worker: node --enable-source-maps dist/main.js',
        cwd: deploys.worker,
        args: ['--enable-source-maps', 'dist/main.js'],
        env: { ...base, HEALTH_PORT: '0' },
        port: (out) => {
          const m = /"healthPort":(\d+)/.exec(out);
          return m ? Number(m[1]) : undefined;
        },
      },
    ];
    const results = new Map<string, { ms: number[]; rss: number[] }>(
      contenders.map((c) => [c.label, { ms: [], rss: [] }]),
    );
    // One warm-up start each (the page cache), then alternating rounds.
    for (const c of contenders) await startOnce(c);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of contenders) {
        const r = await startOnce(c);
        results.get(c.label)!.ms.push(r.ms);
        results.get(c.label)!.rss.push(r.rssMb);
      }
    }
    const baseline = quantile(results.get('Fastify, one route (baseline)')!.ms, 0.5);
    console.log(`\n### Start to first /healthz (/readyz where said; ${ROUNDS} alternating rounds)\n`);
    console.log('| process | median ms | p90 ms | max ms | median / Fastify | RSS at ready MB |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [label, r] of results) {
      const median = quantile(r.ms, 0.5);
      console.log(
        `| ${label} | ${Math.round(median)} | ${Math.round(quantile(r.ms, 0.9))} | ${Math.round(Math.max(...r.ms))} | ${(median / baseline).toFixed(2)}× | ${quantile(r.rss, 0.5)} |`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
